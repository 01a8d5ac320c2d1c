import { fileURLToPath } from "node:url";
import type { TableName } from "@hearth/domain";

/**
 * Which stream events each processor wants: declared once here, used by the CDK event
 * source mappings (as Lambda filter criteria) and by the local stream pollers (through
 * `matchesFilterPattern`), so both deliver exactly the same records.
 */
export type ProcessorName = "notifications" | "activity";

/** A Lambda event filter pattern (the EventBridge pattern subset Lambda supports). */
export type FilterPattern = Record<string, unknown>;

export interface StreamSubscription {
  processor: ProcessorName;
  table: TableName;
  /** A record is delivered when it matches any of these patterns. */
  filterPatterns: FilterPattern[];
}

const inserts: FilterPattern = { eventName: ["INSERT"] };
/** A comment that just became soft-deleted: no deletedAt before, one after. */
const softDeletes: FilterPattern = {
  eventName: ["MODIFY"],
  dynamodb: {
    OldImage: { deletedAt: { S: [{ exists: false }] } },
    NewImage: { deletedAt: { S: [{ exists: true }] } },
  },
};

export const STREAM_SUBSCRIPTIONS = [
  { processor: "notifications", table: "Comments", filterPatterns: [inserts] },
  { processor: "notifications", table: "CommentReactions", filterPatterns: [inserts] },
  { processor: "notifications", table: "Messages", filterPatterns: [inserts] },
  { processor: "activity", table: "Comments", filterPatterns: [inserts, softDeletes] },
  { processor: "activity", table: "CommentReactions", filterPatterns: [inserts] },
  { processor: "activity", table: "Messages", filterPatterns: [inserts] },
] as const satisfies readonly StreamSubscription[];

export const PROCESSOR_NAMES = ["notifications", "activity"] as const satisfies readonly ProcessorName[];

/** The Lambda entry file of each processor (exports `handler`), for NodejsFunction bundling. */
export const PROCESSOR_ENTRIES: Record<ProcessorName, string> = {
  notifications: fileURLToPath(new URL("./handlers/notifications.ts", import.meta.url)),
  activity: fileURLToPath(new URL("./handlers/activity.ts", import.meta.url)),
};

/** Event source mapping settings shared by infra and the local pollers. */
export const STREAM_BATCHING = {
  batchSize: 25,
  maxBatchingWindowSeconds: 1,
  retryAttempts: 3,
  maxRecordAgeSeconds: 3600,
  bisectBatchOnError: true,
} as const;

function matchesValue(rule: unknown, value: unknown): boolean {
  if (typeof rule === "object" && rule !== null && "exists" in rule) {
    return (rule as { exists: boolean }).exists === (value !== undefined);
  }
  if (typeof rule === "object" && rule !== null && "anything-but" in rule) {
    const excluded = (rule as { "anything-but": unknown })["anything-but"];
    return value !== undefined && !(Array.isArray(excluded) ? excluded : [excluded]).includes(value);
  }
  if (typeof rule === "object" && rule !== null && "prefix" in rule) {
    return typeof value === "string" && value.startsWith((rule as { prefix: string }).prefix);
  }
  return rule === value;
}

/**
 * Evaluates a Lambda/EventBridge filter pattern against a record: every key of the pattern
 * must match; arrays list the acceptable values (or `exists`/`prefix`/`anything-but` rules).
 */
export function matchesFilterPattern(pattern: FilterPattern, record: unknown): boolean {
  return Object.entries(pattern).every(([key, rule]) => {
    const value =
      typeof record === "object" && record !== null ? (record as Record<string, unknown>)[key] : undefined;
    if (Array.isArray(rule)) return rule.some((alternative) => matchesValue(alternative, value));
    if (typeof rule === "object" && rule !== null) {
      // A nested object pattern against a missing value matches only if it asks for absence.
      return matchesFilterPattern(rule as FilterPattern, value ?? {});
    }
    return false;
  });
}

export const PROCESSOR_TABLE_ACCESS: Record<
  ProcessorName,
  Partial<Record<TableName, "read" | "readWrite">>
> = {
  notifications: {
    UserProfiles: "readWrite",
    Comments: "read",
    ConversationMembers: "read",
    IdempotencyRecords: "readWrite",
  },
  activity: { UserProfiles: "readWrite", IdempotencyRecords: "readWrite" },
};
