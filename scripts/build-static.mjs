// Builds the browser code into static/vendor/ (git-ignored: third-party code comes from the
// lock file, never from the repo):
//   vendor/htmx.min.js                 copied from npm
//   vendor/sightline/embed-<hash>.js, embed-<hash>.css  the embed page's module and its one
//       stylesheet, named by content hash (cached for a year, like the chunks), listed in
//       vendor/sightline/preload.json for the page's template
//   vendor/sightline/preview.js        the builder preview (ES module); both load the renderer
//       (@sightline/charts) and ECharts as chunks
//   vendor/sightline/charts.css        the renderer's styles (the console's pages)
//   vendor/sightline/gridstack.css     the builder's drag-and-drop grid (gridstack from npm)
//   vendor/sightline/sdk-embed.js      @sightline/embed as the UMD file served at /sdk/embed.js
// Every file gets pre-compressed .gz and .br twins (WhiteNoise serves them, also via finders).
// And, outside static/ (never served): build/chart-worker.mjs, the server's chart renderer
// (scripts/chart-worker.mjs with @sightline/charts and ECharts in one file; resvg's native
// module stays in node_modules), which subscriptions/charts.py runs with Node.
import { copyFileSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";
import { buildSync } from "esbuild";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const out = join(root, "static", "vendor");
const sightline = join(out, "sightline");
const common = { bundle: true, minify: true, target: "es2020", legalComments: "none", logLevel: "warning" };

function compressed(path) {
  const body = readFileSync(path);
  writeFileSync(`${path}.gz`, gzipSync(body, { level: 9 }));
  writeFileSync(`${path}.br`, brotliCompressSync(body, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }));
  console.log(`${relative(root, path)} (+ .gz, .br)`);
}

// vendor/sightline/preload.json: what the embed page's template names (viewer/assets.py): its
// hashed module and stylesheet, and in <link rel="modulepreload"> what the browser should fetch
// and compile while parsing the HTML, instead of discovering it module by module: the chunks
// the module imports, and the ECharts chunk (imported on demand), which only a page with a
// chart needs.
function embedPreloads(outputs) {
  const staticPath = (output) => relative(join(root, "static"), join(root, output)).split("\\").join("/");
  const entry = Object.keys(outputs).find((path) => outputs[path].entryPoint === "static/src/embed/embed.js");
  const css = Object.keys(outputs).find((path) => outputs[path].entryPoint === "static/src/embed/page.css");
  const modules = new Set();
  const onDemand = new Set();
  const visit = (path) => outputs[path].imports.forEach((imported) => {
    if (imported.kind === "dynamic-import") onDemand.add(imported.path);
    else if (imported.kind === "import-statement" && !modules.has(imported.path)) {
      modules.add(imported.path);
      visit(imported.path);
    }
  });
  visit(entry);
  const charts = [...onDemand].find((path) => outputs[path].entryPoint === "clients/js/charts/src/echarts.js");
  if (!entry || !css || !charts) throw new Error("build-static: the embed page's modules were not found");
  return { embed: { entry: staticPath(entry), css: staticPath(css), modules: [...modules].map(staticPath), charts: staticPath(charts) } };
}

function filesUnder(directory) {
  return readdirSync(directory).flatMap((name) => {
    const path = join(directory, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

mkdirSync(out, { recursive: true });
copyFileSync(join(root, "node_modules/htmx.org/dist/htmx.min.js"), join(out, "htmx.min.js"));
compressed(join(out, "htmx.min.js"));
// The API reference page (/docs/api) renders /v1/openapi.json with Swagger UI.
for (const name of ["swagger-ui-bundle.js", "swagger-ui.css"]) {
  copyFileSync(join(root, "node_modules/swagger-ui-dist", name), join(out, name));
  compressed(join(out, name));
}

rmSync(sightline, { recursive: true, force: true }); // no stale chunks from earlier builds
const modules = { ...common, outdir: sightline, format: "esm", splitting: true, chunkNames: "chunks/[name]-[hash]", absWorkingDir: root };
// The embed page on its own (hashed names), apart from the console's preview (a tenant's
// viewer never loads the console). Its code runs on load, so every file carries V8's explicit
// compile hint: Chromium (136+) compiles all its functions on a background thread while the
// file streams in, instead of one by one on the main thread as they are first called
// (ECharts: ~30-60 ms of the page's main thread).
const page = buildSync({
  ...modules,
  banner: { js: "//# allFunctionsCalledOnLoad" },
  entryPoints: [join(root, "static/src/embed/embed.js"), join(root, "static/src/embed/page.css")],
  entryNames: "embed-[hash]",
  metafile: true,
});
writeFileSync(join(sightline, "preload.json"), JSON.stringify(embedPreloads(page.metafile.outputs), null, 2) + "\n");
buildSync({ ...modules, entryPoints: { preview: join(root, "static/src/console/charts.js") } });
buildSync({ ...common, entryPoints: [join(root, "clients/js/charts/src/styles.css")], outfile: join(sightline, "charts.css") });
// The builder's drag-and-drop grid (gridstack's own styles; its code is a chunk of preview.js).
buildSync({ ...common, entryPoints: [join(root, "node_modules/gridstack/dist/gridstack.css")], outfile: join(sightline, "gridstack.css") });
buildSync({
  ...common,
  minify: false, // a file customers read and pin: keep it readable
  entryPoints: [join(root, "clients/js/embed/src/index.js")],
  outfile: join(sightline, "sdk-embed.js"),
  format: "iife",
  globalName: "Sightline",
  footer: { js: 'if (typeof module === "object" && module.exports) module.exports = Sightline;' },
});
filesUnder(sightline).filter((path) => /\.(js|css)$/.test(path)).forEach(compressed);
buildSync({
  ...common,
  minify: false,
  entryPoints: [join(root, "scripts/chart-worker.mjs")],
  outfile: join(root, "build", "chart-worker.mjs"),
  platform: "node",
  target: "node18",
  format: "esm",
  external: ["@resvg/resvg-js"],
});
console.log("build/chart-worker.mjs");
