import { resolve } from "node:path";
import { startVitest } from "vitest/node";

/**
 * `pnpm e2e [outputs.json]`: the end-to-end suite against the stack that file describes
 * (default `.local/outputs.json`, or HEARTH_OUTPUTS); without a running stack it starts one.
 */
const [outputsFile, ...rest] = process.argv.slice(2).filter((arg) => arg !== "--");
if (rest.length) {
  console.error("Usage: pnpm e2e [path/to/outputs.json]");
  process.exit(2);
}
if (outputsFile) process.env.HEARTH_OUTPUTS = resolve(outputsFile);
const vitest = await startVitest("test", [], {
  config: resolve(import.meta.dirname, "../e2e/vitest.config.ts"),
  run: true,
  watch: false,
});
await vitest.close();
process.exit(process.exitCode ?? (vitest.state.getCountOfFailedTests() > 0 ? 1 : 0));
