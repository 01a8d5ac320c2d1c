import { JAVA_MISSING_MESSAGE } from "@hearth/domain/testing";
import { PortInUseError } from "./ports.js";

/** One line for problems the user fixes (Java, ports); the full story for real faults. */
export function userFacingMessage(error: unknown): string {
  if (error instanceof PortInUseError) return error.message;
  if (error instanceof Error && error.message.startsWith(JAVA_MISSING_MESSAGE)) return error.message;
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}

/**
 * Waits for Ctrl-C, SIGTERM or a closed terminal, then stops everything once. A second
 * Ctrl-C while stopping exits at once (the watchdog still takes the engines down).
 */
export function runUntilSignal(stop: () => Promise<void>): Promise<void> {
  return new Promise((resolve) => {
    let stopping = false;
    const onSignal = (signal: NodeJS.Signals) => {
      if (stopping) process.exit(130);
      stopping = true;
      console.log(`\n${signal}: stopping the local stack…`);
      stop()
        .catch((error: unknown) => console.error(userFacingMessage(error)))
        .finally(() => {
          resolve();
          process.exit(0);
        });
    };
    for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.on(signal, onSignal);
  });
}
