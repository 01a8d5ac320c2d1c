import { createHash } from "node:crypto";
import {
  type DigestWindow,
  LOCAL_ENDPOINT_ENV,
  NOTIFICATION_KINDS,
  type NotificationKind,
} from "@hearth/domain";

export type { DigestWindow } from "@hearth/domain";

/** Creates the one-time trigger of a window's digest (EventBridge Scheduler; locally its stand-in). */
export interface DigestScheduler {
  /** Idempotent by window: scheduling a window again is "already-scheduled" and creates nothing. */
  schedule(window: DigestWindow, at: Date): Promise<"scheduled" | "already-scheduled">;
}

/** The environment the notifications processor's scheduler is configured through. */
export const DIGEST_SCHEDULE_ENV = {
  group: "DIGEST_SCHEDULE_GROUP",
  roleArn: "DIGEST_SCHEDULER_ROLE_ARN",
  functionArn: "DIGEST_FUNCTION_ARN",
  deadLetterArn: "DIGEST_DEAD_LETTER_ARN",
  /** A local Scheduler API (`pnpm dev`); never in production. */
  endpoint: LOCAL_ENDPOINT_ENV.scheduler,
} as const;

/**
 * The schedule's name, the same for every attempt at one window (so a second CreateSchedule is
 * a ConflictException) and free of user ids: a hash, in Scheduler's name alphabet and length.
 */
export function digestScheduleName(window: DigestWindow): string {
  const hash = createHash("sha256")
    .update(`${window.userId}\n${window.kind}\n${window.windowStart}`)
    .digest("hex")
    .slice(0, 48);
  return `digest-${hash}`;
}

/** Scheduler's one-time expression (UTC, whole seconds), never earlier than `at`. */
export function atExpression(at: Date): string {
  const seconds = Math.ceil(at.getTime() / 1000) * 1000;
  return `at(${new Date(seconds).toISOString().slice(0, 19)})`;
}

export class DigestInputError extends Error {
  override readonly name = "DigestInputError";
}

/** The digest function's input, as the schedule hands it over: `{userId, kind, windowStart}`. */
export function parseDigestWindow(input: unknown): DigestWindow {
  const value = (typeof input === "string" ? safeJson(input) : input) as Partial<DigestWindow> | null;
  const { userId, kind, windowStart } = value ?? {};
  if (typeof userId !== "string" || !userId) throw new DigestInputError("The digest input has no userId");
  if (!NOTIFICATION_KINDS.includes(kind as NotificationKind)) {
    throw new DigestInputError(`The digest input's kind must be one of ${NOTIFICATION_KINDS.join(", ")}`);
  }
  if (typeof windowStart !== "string" || Number.isNaN(Date.parse(windowStart))) {
    throw new DigestInputError("The digest input's windowStart must be an ISO timestamp");
  }
  return { userId, kind: kind as NotificationKind, windowStart };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
