import * as z from "zod";
import { ConflictError } from "../errors.js";

/**
 * Member jobs: a data export or an account deletion, run by a worker off the Jobs
 * table's stream. A job only ever moves PENDING → IN_PROGRESS → COMPLETED | FAILED, and while
 * IN_PROGRESS it may save a newer checkpoint (IN_PROGRESS → IN_PROGRESS); every transition is
 * a conditional write on the status read, so any other move is refused.
 */
export const JOB_KINDS = ["export", "deletion"] as const;
export type JobKind = (typeof JOB_KINDS)[number];
export const JOB_STATUSES = ["PENDING", "IN_PROGRESS", "COMPLETED", "FAILED"] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

/** Finished jobs are kept this long after they finish (their TTL), then DynamoDB removes them. */
export const FINISHED_JOB_RETENTION_SECONDS = 7 * 24 * 60 * 60;

const ALLOWED_TRANSITIONS: Record<JobStatus, readonly JobStatus[]> = {
  PENDING: ["IN_PROGRESS"],
  IN_PROGRESS: ["IN_PROGRESS", "COMPLETED", "FAILED"],
  COMPLETED: [],
  FAILED: [],
};

export function isAllowedJobTransition(from: JobStatus, to: JobStatus): boolean {
  return ALLOWED_TRANSITIONS[from].includes(to);
}

export function isFinishedJob(status: JobStatus): boolean {
  return status === "COMPLETED" || status === "FAILED";
}

/** A transition the lifecycle does not allow, or one whose starting state is no longer true. */
export class IllegalJobTransitionError extends ConflictError {
  constructor(
    readonly from: JobStatus | "missing",
    readonly to: JobStatus,
  ) {
    super(`A job cannot go from ${from} to ${to}`);
  }
  override readonly name: string = "IllegalJobTransitionError";
}

export function assertJobTransition(from: JobStatus, to: JobStatus): void {
  if (!isAllowedJobTransition(from, to)) throw new IllegalJobTransitionError(from, to);
}

/** Counts per kind of data handled so far, e.g. `{comments: 250, reactions: 120}`. */
export const jobProgressSchema = z.record(z.string(), z.number().int().min(0));
export type JobProgress = z.infer<typeof jobProgressSchema>;

/** Where a resumable job stopped: the runner's own JSON state (e.g. the step and a page cursor). */
export type JobCheckpoint = Record<string, unknown>;

export interface JobError {
  code: string;
  message: string;
}

export interface Job {
  jobId: string;
  kind: JobKind;
  /** Whose data the job is about. */
  userId: string;
  /** Who asked for it: the member themself, or the admin who started a deletion. */
  requestedBy: string;
  status: JobStatus;
  createdAt: string;
  updatedAt: string;
  progress: JobProgress;
  /** IN_PROGRESS only: where a resumed run continues. */
  checkpoint?: JobCheckpoint | undefined;
  /** FAILED only. */
  error?: JobError | undefined;
  /** COMPLETED only: what the job produced (an export's object key, a deletion's totals). */
  result?: Record<string, unknown> | undefined;
  /** Epoch seconds: set when the job finishes (its TTL). */
  expiresAt?: number | undefined;
}
