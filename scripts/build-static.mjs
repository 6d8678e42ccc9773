// Copies the browser builds of our npm dependencies into static/vendor/,
// which is git-ignored: third-party code comes from the lock file, never from the repo.
import { copyFileSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const out = join(root, "static", "vendor");
const files = {
  "echarts/dist/echarts.min.js": "echarts.min.js",
  "htmx.org/dist/htmx.min.js": "htmx.min.js",
};

mkdirSync(out, { recursive: true });
for (const [source, target] of Object.entries(files)) {
  copyFileSync(join(root, "node_modules", source), join(out, target));
  console.log(`static/vendor/${target}`);
}
