import { join } from "node:path";
import { bundleFunction } from "../src/bundle.js";
import { ALL_FUNCTIONS } from "../src/functions.js";
import { REPO_ROOT } from "../src/paths.js";

/** `pnpm bundle`: every function's bundle under dist/functions/<name>/, with its size. */
const distDir = join(REPO_ROOT, "dist", "functions");
const results = [];
for (const definition of ALL_FUNCTIONS) results.push(await bundleFunction(definition, distDir));

const width = Math.max(...results.map((r) => r.name.length));
for (const { name, bytes } of results) {
  console.log(`${name.padEnd(width)}  ${(bytes / 1024).toFixed(1).padStart(8)} KiB  dist/functions/${name}/`);
}
