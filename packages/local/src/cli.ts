import { JAVA_MISSING_MESSAGE } from "@hearth/domain/dynamodb-local";
import { UserFixableError } from "./errors.js";
import { ancestorPids, watchProcesses } from "./parent-watch.js";

/** One line for problems the user fixes (Java, ports, settings); the full story for real faults. */
export function userFacingMessage(error: unknown): string {
  if (error instanceof UserFixableError) return error.message;
  if (error instanceof Error && error.message.startsWith(JAVA_MISSING_MESSAGE)) return error.message;
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}

/**
 * Waits for Ctrl-C, SIGTERM, a closed terminal or the death of one of `launchers` (the
 * processes that started us), then stops everything once. A second Ctrl-C while stopping
 * exits at once (the watchdog still takes the engines down).
 */
export function runUntilSignal(
  stop: () => Promise<void>,
  launchers: readonly number[] = ancestorPids(),
): Promise<void> {
  return new Promise((resolve) => {
    let stopping = false;
    const shutDown = (reason: string) => {
      if (stopping) process.exit(130);
      stopping = true;
      console.log(`\n${reason}: stopping the local stack…`);
      stop()
        .catch((error: unknown) => console.error(userFacingMessage(error)))
        .finally(() => {
          resolve();
          process.exit(0);
        });
    };
    for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.on(signal, shutDown);
    watchProcesses(launchers, (pid) => shutDown(`Process ${pid}, which started pnpm dev, is gone`));
  });
}
