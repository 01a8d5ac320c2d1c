import { fileURLToPath } from "node:url";
import type { TableName } from "@hearth/domain";

/**
 * Which stream events each processor wants: declared once here, used by the CDK event
 * source mappings (as Lambda filter criteria) and by the local stream pollers (through
 * `matchesFilterPattern`), so both deliver exactly the same records.
 */
export type ProcessorName = "notifications" | "activity" | "attachments";

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

/** A message its sender just deleted: not deleted before, deleted after. */
const messageDeletions: FilterPattern = {
  eventName: ["MODIFY"],
  dynamodb: {
    OldImage: { deleted: { BOOL: [{ exists: false }] } },
    NewImage: { deleted: { BOOL: [true] } },
  },
};

/** A profile an admin just approved: no approvedAt before, one after (once per person). */
const approvals: FilterPattern = {
  eventName: ["MODIFY"],
  dynamodb: {
    OldImage: { approvedAt: { S: [{ exists: false }] } },
    NewImage: { approvedAt: { S: [{ exists: true }] } },
  },
};

export const STREAM_SUBSCRIPTIONS = [
  { processor: "notifications", table: "Comments", filterPatterns: [inserts] },
  { processor: "notifications", table: "CommentReactions", filterPatterns: [inserts] },
  { processor: "notifications", table: "Messages", filterPatterns: [inserts] },
  { processor: "notifications", table: "UserProfiles", filterPatterns: [approvals] },
  { processor: "activity", table: "Comments", filterPatterns: [inserts, softDeletes] },
  { processor: "activity", table: "CommentReactions", filterPatterns: [inserts] },
  { processor: "activity", table: "Messages", filterPatterns: [inserts] },
  {
    processor: "attachments",
    table: "Messages",
    // Every new message: its uploads are retagged sent. (Not narrowed to messages with files:
    // a pattern reaching into the attachments list is not one Lambda's filtering is
    // documented to match, and a miss would let the pending-upload expiry delete sent files.)
    filterPatterns: [inserts, messageDeletions],
  },
] as const satisfies readonly StreamSubscription[];

export const PROCESSOR_NAMES = [
  "notifications",
  "activity",
  "attachments",
] as const satisfies readonly ProcessorName[];

/** The Lambda entry file of each processor (exports `handler`), for NodejsFunction bundling. */
export const PROCESSOR_ENTRIES: Record<ProcessorName, string> = {
  notifications: fileURLToPath(new URL("./handlers/notifications.ts", import.meta.url)),
  activity: fileURLToPath(new URL("./handlers/activity.ts", import.meta.url)),
  attachments: fileURLToPath(new URL("./handlers/attachments.ts", import.meta.url)),
};

/**
 * How long a processor function may run, in seconds: infra configures the functions with it,
 * the local pollers give each invocation that long, and the SDK clients fit their timeouts
 * and retries inside it (through `FUNCTION_TIMEOUT_SECONDS`).
 */
export const PROCESSOR_FUNCTION_TIMEOUT_SECONDS = 60;

/**
 * Processors that delete and retag objects of the files bucket: infra grants them
 * `s3:DeleteObject` and `s3:PutObjectTagging` on the attachments prefix only, and gives them
 * the bucket's name.
 */
export const ATTACHMENT_DELETERS = ["attachments"] as const satisfies readonly ProcessorName[];

/** Event source mapping settings shared by infra and the local pollers. */
export const STREAM_BATCHING = {
  batchSize: 25,
  maxBatchingWindowSeconds: 1,
  retryAttempts: 3,
  maxRecordAgeSeconds: 3600,
  bisectBatchOnError: true,
  /** The handlers return `batchItemFailures`; the mapping must be told to read them. */
  reportBatchItemFailures: true,
} as const;

const OPERATORS = ["exists", "anything-but", "prefix"] as const;

function matchesScalar(rule: unknown, value: unknown): boolean {
  if (typeof rule !== "object" || rule === null) return rule === value;
  const [operator, ...others] = Object.keys(rule);
  if (!operator || others.length || !(OPERATORS as readonly string[]).includes(operator)) {
    // Failing loudly beats silently never matching a pattern Lambda would accept.
    throw new Error(
      `Unsupported filter rule ${JSON.stringify(rule)}: use ${OPERATORS.join(", ")} or literals`,
    );
  }
  const operand = (rule as Record<string, unknown>)[operator];
  if (operator === "exists") return operand === (value !== undefined);
  if (operator === "prefix") return typeof value === "string" && value.startsWith(operand as string);
  const excluded = Array.isArray(operand) ? operand : [operand];
  return value !== undefined && !excluded.includes(value);
}

/** Like EventBridge: an array in the record matches when any of its elements does. */
function matchesValue(rule: unknown, value: unknown): boolean {
  if (Array.isArray(value)) return value.some((element) => matchesScalar(rule, element));
  return matchesScalar(rule, value);
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
    throw new Error(`Filter pattern field "${key}" must be an array of rules or a nested pattern`);
  });
}

/** The patterns with which `processor` subscribes to `table`; none when it does not. */
export function filterPatternsFor(processor: ProcessorName, table: TableName): readonly FilterPattern[] {
  return STREAM_SUBSCRIPTIONS.filter((s) => s.processor === processor && s.table === table).flatMap(
    (s) => s.filterPatterns as readonly FilterPattern[],
  );
}

/** Whether `processor` wants this record of `table` (the same decision Lambda's filter criteria make). */
export function isWantedRecord(processor: ProcessorName, table: TableName, record: unknown): boolean {
  return filterPatternsFor(processor, table).some((pattern) => matchesFilterPattern(pattern, record));
}

/**
 * What each processor does to each table, for its IAM grants: `read`, `readUpdate` (reads
 * plus UpdateItem: profiles are only ever changed by atomic updates here, never put or
 * deleted) or `readWrite` (Powertools idempotency puts, updates and deletes its records).
 */
export type ProcessorTableAccess = "read" | "readUpdate" | "readWrite";

export const PROCESSOR_TABLE_ACCESS: Record<
  ProcessorName,
  Partial<Record<TableName, ProcessorTableAccess>>
> = {
  notifications: {
    UserProfiles: "readUpdate",
    Comments: "read",
    ConversationMembers: "read",
    Messages: "read",
    IdempotencyRecords: "readWrite",
    // The in-app feed: conditional puts of entries and ADD on each member's unread counter.
    Notifications: "readWrite",
  },
  activity: { UserProfiles: "readUpdate", IdempotencyRecords: "readWrite" },
  attachments: { IdempotencyRecords: "readWrite" },
};

/**
 * The Cognito sign-in trigger (not a stream processor, but an event handler of the same
 * kind: pure logic in `sign-in/`, a thin entry in `handlers/`). Its entry and its grant:
 * profiles are only ever changed by one atomic UpdateItem there.
 */
export const SIGN_IN_TRIGGER_ENTRY = fileURLToPath(new URL("./handlers/sign-in.ts", import.meta.url));
export const SIGN_IN_TABLE_ACCESS: Partial<Record<TableName, ProcessorTableAccess>> = {
  UserProfiles: "readUpdate",
};
