import type { FilterPattern, FunctionManifest, StreamBatching, TableName } from "@hearth/domain";
import { activityFunction } from "./activity/build.js";
import { attachmentsFunction } from "./attachments/build.js";
import { deletionsFunction } from "./deletions/build.js";
import { digestsFunction } from "./digests/build.js";
import { directoryFunction } from "./directory/build.js";
import { emailEventsFunction } from "./email-events/build.js";
import { exportsFunction } from "./exports/build.js";
import { notificationsFunction } from "./notifications/build.js";
import type { StreamProcessorHandler } from "./pipeline.js";
import { realtimeFunction } from "./realtime/build.js";
import type { CoreProcessorDependencies } from "./runtime.js";
import { signInFunction } from "./sign-in/build.js";
import { matchesFilterPattern, STREAM_BATCHING } from "./stream-subscriptions.js";

/**
 * The stream processors, one line each: a processor's manifest and its builder, both from its
 * folder. Infra maps their subscriptions, the local stack builds and polls them, tests build them.
 */
export const PROCESSOR_FUNCTIONS = {
  notifications: notificationsFunction,
  activity: activityFunction,
  attachments: attachmentsFunction,
  exports: exportsFunction,
  deletions: deletionsFunction,
  realtime: realtimeFunction,
  directory: directoryFunction,
} as const satisfies Record<string, ProcessorFunction>;
export type ProcessorName = keyof typeof PROCESSOR_FUNCTIONS;
export const PROCESSOR_NAMES = Object.keys(PROCESSOR_FUNCTIONS) as ProcessorName[];

/**
 * What a registered processor is: its manifest, and the builder of its handler from an
 * environment (with any of the core parts replaced, as a one-off replay needs no retry pause).
 */
export interface ProcessorFunction {
  manifest: FunctionManifest;
  build(env?: NodeJS.ProcessEnv, overrides?: Partial<CoreProcessorDependencies>): StreamProcessorHandler;
}

type ManifestsOf<Functions extends Record<string, { manifest: FunctionManifest }>> = {
  [Name in keyof Functions]: Functions[Name]["manifest"];
};

function manifestsOf<Functions extends Record<string, { manifest: FunctionManifest }>>(
  functions: Functions,
): ManifestsOf<Functions> {
  return Object.fromEntries(
    Object.entries(functions).map(([name, { manifest }]) => [name, manifest]),
  ) as ManifestsOf<Functions>;
}

/** The processors' manifests, by processor (what infra and the local pollers read). */
export const PROCESSOR_MANIFESTS = manifestsOf(PROCESSOR_FUNCTIONS);

/** The event functions that are not on a stream: a user-pool trigger, an SNS subscriber, a scheduled one. */
export const EVENT_FUNCTIONS = {
  signIn: signInFunction,
  emailEvents: emailEventsFunction,
  digests: digestsFunction,
} as const;

export const EVENT_MANIFESTS = manifestsOf(EVENT_FUNCTIONS);

export interface ProcessorSubscription {
  processor: ProcessorName;
  table: TableName;
  filterPatterns: readonly FilterPattern[];
}

/** Every (processor, table) subscription, as infra maps and the local pollers poll them. */
export const STREAM_SUBSCRIPTIONS: readonly ProcessorSubscription[] = PROCESSOR_NAMES.flatMap((processor) =>
  PROCESSOR_MANIFESTS[processor].subscriptions.map((subscription) => ({ processor, ...subscription })),
);

/** The patterns with which `processor` subscribes to `table`; none when it does not. */
export function filterPatternsFor(processor: ProcessorName, table: TableName): readonly FilterPattern[] {
  return STREAM_SUBSCRIPTIONS.filter((s) => s.processor === processor && s.table === table).flatMap(
    (s) => s.filterPatterns,
  );
}

/** Whether `processor` wants this record of `table` (the same decision Lambda's filter criteria make). */
export function isWantedRecord(processor: ProcessorName, table: TableName, record: unknown): boolean {
  return filterPatternsFor(processor, table).some((pattern) => matchesFilterPattern(pattern, record));
}

/** The mapping settings of `processor`'s subscriptions (infra and the local pollers use this). */
export function streamBatchingOf(processor: ProcessorName): StreamBatching {
  return { ...STREAM_BATCHING, ...PROCESSOR_MANIFESTS[processor].streamBatching };
}

/** The timeout of `processor`'s function, in seconds (infra and the local pollers use this). */
export function processorTimeoutSeconds(processor: ProcessorName): number {
  return PROCESSOR_MANIFESTS[processor].timeoutSeconds;
}
