import {
  type FilterPattern,
  type JobKind,
  type StreamBatching,
  UNCONFIRMED_PHOTO_KEY,
  UNREAD_COUNTER_ID,
} from "@hearth/domain";

/**
 * The filter patterns the processors' manifests subscribe with, the shared stream settings,
 * and the matcher: the CDK event source mappings hand the patterns to Lambda as filter
 * criteria, the local stream pollers evaluate them with `matchesFilterPattern`, so both
 * deliver exactly the same records.
 */

export const inserts: FilterPattern = { eventName: ["INSERT"] };
/** A comment that just became soft-deleted: no deletedAt before, one after. */
export const softDeletes: FilterPattern = {
  eventName: ["MODIFY"],
  dynamodb: {
    OldImage: { deletedAt: { S: [{ exists: false }] } },
    NewImage: { deletedAt: { S: [{ exists: true }] } },
  },
};

/**
 * A deleted member's tombstone just written (it replaces their profile, or is the first row
 * when there was none): `deletedAt` appears once, since no write passes a tombstone.
 */
export const tombstones: FilterPattern = {
  eventName: ["INSERT", "MODIFY"],
  dynamodb: {
    OldImage: { deletedAt: { S: [{ exists: false }] } },
    NewImage: { deletedAt: { S: [{ exists: true }] } },
  },
};

/**
 * A comment whose edit added someone to its mentions: `mentionsAddedAt` is set by such an edit
 * (the processor tells apart the record that moved it from later changes that carry it).
 */
export const mentionAdditions: FilterPattern = {
  eventName: ["MODIFY"],
  dynamodb: { NewImage: { mentionsAddedAt: { S: [{ exists: true }] } } },
};

/**
 * A change to a profile's directory listing (name, photo, membership, deletion) and every
 * other profile change, told apart by the directory processor: filters cannot compare the
 * old image with the new one.
 */
export const profileChanges: FilterPattern = { eventName: ["INSERT", "MODIFY", "REMOVE"] };

/** A profile that took a newly uploaded photo (marked until its upload is retagged as kept). */
export const uploadedPhotos: FilterPattern = {
  eventName: ["INSERT", "MODIFY"],
  dynamodb: { NewImage: { [UNCONFIRMED_PHOTO_KEY]: { S: [{ exists: true }] } } },
};

/** A message its sender just deleted: not deleted before, deleted after. */
export const messageDeletions: FilterPattern = {
  eventName: ["MODIFY"],
  dynamodb: {
    OldImage: { deleted: { BOOL: [{ exists: false }] } },
    NewImage: { deleted: { BOOL: [true] } },
  },
};

/** A profile an admin just approved: no approvedAt before, one after (once per person). */
export const approvals: FilterPattern = {
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
export const jobInserts = (kind: JobKind): FilterPattern => ({
  eventName: ["INSERT"],
  dynamodb: { NewImage: { kind: { S: [kind] }, status: { S: ["PENDING"] } } },
});

/** An export that just completed: its member gets the "your export is ready" email. */
export const exportCompletions: FilterPattern = {
  eventName: ["MODIFY"],
  dynamodb: {
    OldImage: { status: { S: [{ "anything-but": "COMPLETED" }] } },
    NewImage: { kind: { S: ["export"] }, status: { S: ["COMPLETED"] } },
  },
};

/**
 * A new feed entry: not the first write of a member's unread counter, nor a marker of the
 * entry a repeated event wrote (both share the table, and only entries have a `kind`).
 */
export const feedEntryInserts: FilterPattern = {
  eventName: ["INSERT"],
  dynamodb: {
    NewImage: {
      notificationId: { S: [{ "anything-but": [UNREAD_COUNTER_ID] }] },
      kind: { S: [{ exists: true }] },
    },
  },
};

/** Any change to a comment: edits, deletions and reaction counts are told apart in the fanout. */
export const modifications: FilterPattern = { eventName: ["MODIFY"] };

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
export const JOB_FUNCTION_TIMEOUT_SECONDS = 900;

/**
 * How a record that failed is tried again. The aim: a stall of up to a minute (DynamoDB
 * throttled or unreachable, SES slow to answer) never runs a record out of retries, while a
 * record that keeps failing still reaches the failed-records destination within minutes.
 * - Lambda retries a stream batch at once, without back-off, so the invocation that failed a
 *   record waits `pauseSeconds` before it answers (see the pipeline): the retries of
 *   `STREAM_BATCHING.retryAttempts` are then at least 10 × 8 s = 80 s apart in all, more
 *   than the minute, however fast each failing attempt is.
 * - A record's idempotency lock lasts `lockSeconds`, not the function's whole timeout, and no
 *   longer than the pause: the lock an attempt leaves behind (its clean-up lost in the stall,
 *   or its in-progress write landing after the client gave up) has expired when the retry
 *   comes. Nothing else can hold the record meanwhile: a shard's batches run one at a time.
 */
export const RECORD_RETRY = {
  pauseSeconds: 8,
  lockSeconds: 8,
} as const;

/** Event source mapping settings shared by infra and the local pollers (why each, beside it). */
export const STREAM_BATCHING = {
  batchSize: 25,
  /** A second of batching: bursts arrive as batches, a lone event waits at most that. */
  maxBatchingWindowSeconds: 1,
  /** With the pause before each (`RECORD_RETRY`), ten retries outlast a minute's stall. */
  retryAttempts: 10,
  /**
   * The stream's own retention (24 hours): a backlog, however long, is worked through rather
   * than discarded; only retries running out send a record to the failed records.
   */
  maxRecordAgeSeconds: 24 * 60 * 60,
  /** A batch that fails as a whole (a crash, a timeout) is split, so one record can't hold back the rest. */
  bisectBatchOnError: true,
} as const satisfies StreamBatching;

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
