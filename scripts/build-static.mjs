// Copies the browser builds of our npm dependencies into static/vendor/,
// which is git-ignored: third-party code comes from the lock file, never from the repo.
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const out = join(root, "static", "vendor");
const files = {
  "echarts/dist/echarts.min.js": "echarts.min.js",
  "htmx.org/dist/htmx.min.js": "htmx.min.js",
};

mkdirSync(out, { recursive: true });
for (const [source, target] of Object.entries(files)) {
  copyFileSync(join(root, "node_modules", source), join(out, target));
  // Pre-compressed twins: WhiteNoise serves them to browsers that accept them, also when it
  // serves through finders (no collectstatic); echarts is ~1 MB raw, ~330 KB gzipped.
  const body = readFileSync(join(out, target));
  writeFileSync(join(out, `${target}.gz`), gzipSync(body, { level: 9 }));
  writeFileSync(
    join(out, `${target}.br`),
    brotliCompressSync(body, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }),
  );
  console.log(`static/vendor/${target} (+ .gz, .br)`);
}
