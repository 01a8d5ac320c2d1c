import { fileURLToPath } from "node:url";
import { type JobKind, type TableName, UNREAD_COUNTER_ID } from "@hearth/domain";

/**
 * Which stream events each processor wants: declared once here, used by the CDK event
 * source mappings (as Lambda filter criteria) and by the local stream pollers (through
 * `matchesFilterPattern`), so both deliver exactly the same records.
 */
export type ProcessorName =
  | "notifications"
  | "activity"
  | "attachments"
  | "exports"
  | "deletions"
  | "realtime";

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

/**
 * A new job of `kind`. The Jobs table also holds active-job marker items, which have no
 * `kind` or `status`, so they never match.
 */
const jobInserts = (kind: JobKind): FilterPattern => ({
  eventName: ["INSERT"],
  dynamodb: { NewImage: { kind: { S: [kind] }, status: { S: ["PENDING"] } } },
});

/** An export that just completed: its member gets the "your export is ready" email. */
const exportCompletions: FilterPattern = {
  eventName: ["MODIFY"],
  dynamodb: {
    OldImage: { status: { S: [{ "anything-but": "COMPLETED" }] } },
    NewImage: { kind: { S: ["export"] }, status: { S: ["COMPLETED"] } },
  },
};

/** A new feed entry (not the first write of a member's unread counter, which shares the table). */
const feedEntryInserts: FilterPattern = {
  eventName: ["INSERT"],
  dynamodb: { NewImage: { notificationId: { S: [{ "anything-but": [UNREAD_COUNTER_ID] }] } } },
};

/** Any change to a comment: edits, deletions and reaction counts are told apart in the fanout. */
const modifications: FilterPattern = { eventName: ["MODIFY"] };

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
  // A profile removed (the last data step of an account deletion): its data exports are deleted.
  { processor: "attachments", table: "UserProfiles", filterPatterns: [{ eventName: ["REMOVE"] }] },
  { processor: "notifications", table: "Jobs", filterPatterns: [exportCompletions] },
  { processor: "exports", table: "Jobs", filterPatterns: [jobInserts("export")] },
  { processor: "deletions", table: "Jobs", filterPatterns: [jobInserts("deletion")] },
  // The realtime fanout pushes new messages, feed entries and comment changes to open WebSockets.
  { processor: "realtime", table: "Messages", filterPatterns: [inserts] },
  { processor: "realtime", table: "Notifications", filterPatterns: [feedEntryInserts] },
  { processor: "realtime", table: "Comments", filterPatterns: [inserts, modifications] },
] as const satisfies readonly StreamSubscription[];

export const PROCESSOR_NAMES = [
  "notifications",
  "activity",
  "attachments",
  "exports",
  "deletions",
  "realtime",
] as const satisfies readonly ProcessorName[];

/** The Lambda entry file of each processor (exports `handler`), for NodejsFunction bundling. */
export const PROCESSOR_ENTRIES: Record<ProcessorName, string> = {
  notifications: fileURLToPath(new URL("./handlers/notifications.ts", import.meta.url)),
  activity: fileURLToPath(new URL("./handlers/activity.ts", import.meta.url)),
  attachments: fileURLToPath(new URL("./handlers/attachments.ts", import.meta.url)),
  exports: fileURLToPath(new URL("./handlers/exports.ts", import.meta.url)),
  deletions: fileURLToPath(new URL("./handlers/deletions.ts", import.meta.url)),
  realtime: fileURLToPath(new URL("./handlers/realtime.ts", import.meta.url)),
};

/**
 * How long a processor function may run, in seconds: infra configures the functions with it,
 * the local pollers give each invocation that long, and the SDK clients fit their timeouts
 * and retries inside it (through `FUNCTION_TIMEOUT_SECONDS`).
 */
export const PROCESSOR_FUNCTION_TIMEOUT_SECONDS = 60;

/**
 * The job workers (one per job kind) run a member's whole export or deletion in one
 * invocation, so they get Lambda's longest timeout; a run cut short resumes from its checkpoint.
 */
export const JOB_PROCESSORS = ["exports", "deletions"] as const satisfies readonly ProcessorName[];
export const JOB_FUNCTION_TIMEOUT_SECONDS = 900;

/** The timeout of `processor`'s function, in seconds (infra and the local pollers use this). */
export function processorTimeoutSeconds(processor: ProcessorName): number {
  return (JOB_PROCESSORS as readonly ProcessorName[]).includes(processor)
    ? JOB_FUNCTION_TIMEOUT_SECONDS
    : PROCESSOR_FUNCTION_TIMEOUT_SECONDS;
}

/**
 * Processors that write export documents to the files bucket: infra grants them
 * `s3:PutObject` (and the multipart calls it covers) on the exports prefix only.
 */
export const EXPORT_WRITERS = ["exports"] as const satisfies readonly ProcessorName[];

/**
 * Processors that delete and retag objects of the files bucket: infra grants them
 * `s3:DeleteObject` and `s3:PutObjectTagging` on the attachments prefix, listing and
 * `s3:DeleteObject` on the exports prefix (a deleted member's exports), and the bucket's name.
 */
export const ATTACHMENT_DELETERS = ["attachments"] as const satisfies readonly ProcessorName[];

/**
 * Processors that delete whole accounts: infra grants them `cognito-idp:AdminDeleteUser` on
 * the user pool, and gives them the pool's id and the environment's rate limits. (A deleted
 * member's data exports are removed by the attachments processor, off the profile's removal.)
 */
export const ACCOUNT_DELETERS = ["deletions"] as const satisfies readonly ProcessorName[];

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

/**
 * Where a processor's mappings differ from STREAM_BATCHING: the realtime fanout does not wait
 * for a batch to fill, since a push is worth most the moment it happens (a 1 s window would be
 * most of its latency budget); its batches are whatever the stream has when it is read.
 */
export const STREAM_BATCHING_OVERRIDES: Partial<Record<ProcessorName, { maxBatchingWindowSeconds: number }>> =
  {
    realtime: { maxBatchingWindowSeconds: 0 },
  };

/** The mapping settings of `processor`'s subscriptions (infra and the local pollers use this). */
export function streamBatchingOf(processor: ProcessorName) {
  return { ...STREAM_BATCHING, ...STREAM_BATCHING_OVERRIDES[processor] };
}

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
    // Events held for digests (conditional puts in transactions) and each window's state.
    HeldNotifications: "readWrite",
  },
  activity: { UserProfiles: "readUpdate", IdempotencyRecords: "readWrite" },
  attachments: { IdempotencyRecords: "readWrite" },
  // Reads everything of one member (Queries only) and moves its job along. The job workers keep
  // no idempotency records: the job itself says what was done (see jobs/processors.ts).
  exports: {
    Jobs: "readWrite",
    UserProfiles: "read",
    Comments: "read",
    CommentReactions: "read",
    ConversationMembers: "read",
    Messages: "read",
  },
  // The account deletion cascade: takes back reactions (deletes, with the counters' updates in
  // the same transactions), erases comments and messages in place (updates), removes the
  // member's conversation rows, rate-limit windows and profile (deletes).
  deletions: {
    Jobs: "readWrite",
    CommentReactions: "readWrite",
    Comments: "readUpdate",
    CommentLocators: "readUpdate",
    Messages: "readUpdate",
    ConversationMembers: "readWrite",
    RateLimits: "readWrite",
    Notifications: "readWrite",
    HeldNotifications: "readWrite",
    UserProfiles: "readWrite",
  },
  // Finds connections (Queries) and removes the ones found gone (BatchWriteItem deletes); reads
  // the recipients' conversation rows, unread counters and reactions for their own counts.
  realtime: {
    Connections: "readWrite",
    ConversationMembers: "read",
    Notifications: "read",
    CommentReactions: "read",
    IdempotencyRecords: "readWrite",
  },
};

/**
 * Processors that push to WebSocket connections: infra grants them
 * `execute-api:ManageConnections` on the WebSocket API's stage and gives them its
 * management endpoint; they also sign download URLs of attachments and photos (GETs).
 */
export const WEBSOCKET_PUSHERS = ["realtime"] as const satisfies readonly ProcessorName[];

/**
 * The Cognito sign-in trigger (not a stream processor, but an event handler of the same
 * kind: pure logic in `sign-in/`, a thin entry in `handlers/`). Its entry and its grant:
 * profiles are only ever changed by one atomic UpdateItem there.
 */
export const SIGN_IN_TRIGGER_ENTRY = fileURLToPath(new URL("./handlers/sign-in.ts", import.meta.url));
export const SIGN_IN_TABLE_ACCESS: Partial<Record<TableName, ProcessorTableAccess>> = {
  UserProfiles: "readUpdate",
};

/**
 * The SES event handler (an SNS subscriber, not a stream processor: pure logic in
 * `email-events/`, a thin entry in `handlers/`). It only marks addresses suppressed, with one
 * conditional UpdateItem per address after a Query on the email index.
 */
export const EMAIL_EVENTS_ENTRY = fileURLToPath(new URL("./handlers/email-events.ts", import.meta.url));
export const EMAIL_EVENTS_TABLE_ACCESS: Partial<Record<TableName, ProcessorTableAccess>> = {
  UserProfiles: "readUpdate",
};
/** How long the SES event handler may run, in seconds (a few addresses per message). */
export const EMAIL_EVENTS_TIMEOUT_SECONDS = 30;

/** The processors that send email: they send through the SES configuration set. */
export const EMAIL_SENDERS = ["notifications"] as const satisfies readonly ProcessorName[];

/**
 * The digest function (not on a stream: a window's one-time schedule invokes it) and what it
 * touches: its window's held events and state (Query, conditional updates of the claim), the
 * feed (BatchGet of which are unread) and the recipient's profile.
 */
export const DIGEST_FUNCTION_ENTRY = fileURLToPath(
  new URL("./handlers/notification-digests.ts", import.meta.url),
);
export const DIGEST_TABLE_ACCESS: Partial<Record<TableName, ProcessorTableAccess>> = {
  HeldNotifications: "readUpdate",
  Notifications: "read",
  UserProfiles: "read",
};
