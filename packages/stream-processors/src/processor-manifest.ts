import { fileURLToPath } from "node:url";
import type { FunctionManifest } from "@hearth/domain";
import type { ProcessorIdentity } from "./pipeline.js";
import { PROCESSOR_FUNCTION_TIMEOUT_SECONDS } from "./stream-subscriptions.js";

const PROCESSOR_FUNCTION_PREFIX = "stream-";

export type ProcessorManifest<P extends string = string> = FunctionManifest<`stream-${P}`> & {
  subscriptions: FunctionManifest["subscriptions"] & object;
};

/**
 * The manifest of a stream processor named `processor`, declared in its folder (`folderUrl`,
 * the manifest module's `import.meta.url`): its entry is that folder's `handler.ts`, its
 * function `stream-<processor>`; the rest is what the processor declares.
 */
export function processorManifest<P extends string>(
  processor: P,
  folderUrl: string,
  what: Omit<FunctionManifest, "name" | "kind" | "entry" | "timeoutSeconds" | "memoryMb"> &
    Partial<Pick<FunctionManifest, "timeoutSeconds">>,
): ProcessorManifest<P> {
  if (!what.subscriptions?.length) throw new Error(`Stream processor ${processor} subscribes to nothing`);
  return {
    name: `${PROCESSOR_FUNCTION_PREFIX}${processor}`,
    kind: "stream",
    entry: handlerEntry(folderUrl),
    timeoutSeconds: PROCESSOR_FUNCTION_TIMEOUT_SECONDS,
    memoryMb: 512,
    ...what,
    subscriptions: what.subscriptions,
  };
}

/** The entry of a function whose manifest module is at `folderUrl`: the `handler.ts` beside it. */
export function handlerEntry(folderUrl: string): string {
  return fileURLToPath(new URL("./handler.ts", folderUrl));
}

/** What the shared pipeline knows of a processor: its name and its subscriptions, from its manifest. */
export function processorIdentity(manifest: ProcessorManifest): ProcessorIdentity {
  return {
    processor: manifest.name.slice(PROCESSOR_FUNCTION_PREFIX.length),
    subscriptions: manifest.subscriptions,
  };
}
