import { readyBanner } from "../src/banner.js";
import { runUntilSignal, userFacingMessage } from "../src/cli.js";
import { configFromEnv } from "../src/config.js";
import { startLocalStack } from "../src/stack.js";

/** `pnpm dev [--reset]`: the whole system on this machine until Ctrl-C. */
const args = process.argv.slice(2);
const unknown = args.filter((arg) => arg !== "--reset" && arg !== "--");
if (unknown.length) {
  console.error(`Unknown argument(s): ${unknown.join(" ")}. Usage: pnpm dev [--reset]`);
  process.exit(2);
}
const started = performance.now();
try {
  const config = configFromEnv();
  const stack = await startLocalStack(config, {
    reset: args.includes("--reset"),
    log: (line) => console.log(line),
  });
  console.log(
    readyBanner(stack.outputs, {
      outputsFile: config.outputsFile,
      dataDir: config.dataDir,
      seconds: (performance.now() - started) / 1000,
    }),
  );
  await runUntilSignal(stack.stop);
} catch (error) {
  console.error(userFacingMessage(error));
  process.exit(1);
}
