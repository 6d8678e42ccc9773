// Copies the browser builds of our npm dependencies into static/vendor/, and bundles the slice
// of ECharts the embed page uses; static/vendor is git-ignored: third-party code comes from the
// lock file, never from the repo.
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";
import { buildSync } from "esbuild";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const out = join(root, "static", "vendor");
const files = {
  "echarts/dist/echarts.min.js": "echarts.min.js",
  "htmx.org/dist/htmx.min.js": "htmx.min.js",
};
// Tree-shaken bundles: entry module -> file in static/vendor.
const bundles = {
  "static/src/embed/echarts-entry.mjs": "echarts.embed.min.js",
};

// Pre-compressed twins: WhiteNoise serves them to browsers that accept them, also when it
// serves through finders (no collectstatic); echarts is ~1 MB raw, ~330 KB gzipped.
function compressed(target) {
  const body = readFileSync(join(out, target));
  writeFileSync(join(out, `${target}.gz`), gzipSync(body, { level: 9 }));
  writeFileSync(
    join(out, `${target}.br`),
    brotliCompressSync(body, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }),
  );
  console.log(`static/vendor/${target} (+ .gz, .br)`);
}

mkdirSync(out, { recursive: true });
for (const [source, target] of Object.entries(files)) {
  copyFileSync(join(root, "node_modules", source), join(out, target));
  compressed(target);
}
for (const [entry, target] of Object.entries(bundles)) {
  buildSync({
    entryPoints: [join(root, entry)],
    outfile: join(out, target),
    bundle: true,
    minify: true,
    format: "iife",
    target: "es2019",
    legalComments: "none",
    logLevel: "warning",
  });
  compressed(target);
}
