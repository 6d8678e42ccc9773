// Builds the React host page of tests/browser/test_react.py and bench/js_clients.py.
import { fileURLToPath } from "node:url";

export default {
  root: fileURLToPath(new URL(".", import.meta.url)),
  base: "./",
  logLevel: "warn",
  build: { emptyOutDir: true, target: "es2020" },
};
