import { fileURLToPath } from "node:url";
import type { FunctionManifest } from "@hearth/domain";
import { PROCESSOR_FUNCTION_TIMEOUT_SECONDS } from "./stream-subscriptions.js";

/**
 * The manifest of a stream processor named `processor`: its entry is `handlers/<processor>.ts`,
 * its function `stream-<processor>`; the rest is what the processor declares.
 */
export function processorManifest<P extends string>(
  processor: P,
  what: Omit<FunctionManifest, "name" | "kind" | "entry" | "timeoutSeconds" | "memoryMb"> &
    Partial<Pick<FunctionManifest, "timeoutSeconds">>,
): FunctionManifest<`stream-${P}`> & { subscriptions: FunctionManifest["subscriptions"] & object } {
  if (!what.subscriptions?.length) throw new Error(`Stream processor ${processor} subscribes to nothing`);
  return {
    name: `stream-${processor}`,
    kind: "stream",
    entry: fileURLToPath(new URL(`./handlers/${processor}.ts`, import.meta.url)),
    timeoutSeconds: PROCESSOR_FUNCTION_TIMEOUT_SECONDS,
    memoryMb: 512,
    ...what,
    subscriptions: what.subscriptions,
  };
}

/** The entry of a function handled in `handlers/<file>.ts` (functions that are not stream processors). */
export function handlerEntry(file: string): string {
  return fileURLToPath(new URL(`./handlers/${file}.ts`, import.meta.url));
}
