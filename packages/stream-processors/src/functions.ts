import type { FilterPattern, FunctionManifest, StreamBatching, TableName } from "@hearth/domain";
import { activityManifest } from "./activity/manifest.js";
import { attachmentsManifest } from "./attachments/manifest.js";
import { emailEventsManifest } from "./email-events/manifest.js";
import { exportsManifest } from "./exports/manifest.js";
import { deletionsManifest } from "./jobs/manifest.js";
import { digestsManifest, notificationsManifest } from "./notifications/manifest.js";
import { realtimeManifest } from "./realtime/manifest.js";
import { signInManifest } from "./sign-in/manifest.js";
import { matchesFilterPattern, STREAM_BATCHING } from "./stream-subscriptions.js";

/** The stream processors, one line each: infra maps their subscriptions, the local stack polls for them. */
export const PROCESSOR_MANIFESTS = {
  notifications: notificationsManifest,
  activity: activityManifest,
  attachments: attachmentsManifest,
  exports: exportsManifest,
  deletions: deletionsManifest,
  realtime: realtimeManifest,
} as const;
export type ProcessorName = keyof typeof PROCESSOR_MANIFESTS;
export const PROCESSOR_NAMES = Object.keys(PROCESSOR_MANIFESTS) as ProcessorName[];

/** The event functions that are not on a stream: a user-pool trigger, an SNS subscriber, a scheduled one. */
export const EVENT_MANIFESTS = {
  signIn: signInManifest,
  emailEvents: emailEventsManifest,
  digests: digestsManifest,
} as const satisfies Record<string, FunctionManifest>;

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
