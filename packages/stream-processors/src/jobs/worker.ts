import type { Logger } from "@aws-lambda-powertools/logger";
import {
  IllegalJobTransitionError,
  isFinishedJob,
  type Job,
  type JobKind,
  type JobsRepository,
} from "@hearth/domain";
import { MalformedRecordError, type StreamChange } from "../stream-change.js";
import { PermanentJobError } from "./errors.js";
import type { JobRunner } from "./runner.js";

export interface JobSummary {
  jobId: string;
  /** What this delivery did: ran the job to an end, or found nothing left to do. */
  outcome: "completed" | "failed" | "already-finished" | "missing";
}

export interface JobWorkerDependencies {
  repositories: { jobs: JobsRepository };
  logger: Logger;
}

function jobKeyOf(change: StreamChange): { userId: string; jobId: string } {
  const { userId, jobId } = change.newImage ?? {};
  if (typeof userId !== "string" || typeof jobId !== "string") {
    throw new MalformedRecordError(`The Jobs record ${change.eventID} has no userId and jobId`);
  }
  return { userId, jobId };
}

/**
 * Runs the job a Jobs stream record announces, with the runner of its kind. The job is read
 * again (the record may be a redelivery): PENDING is started, IN_PROGRESS is resumed (a
 * worker died, or the previous attempt threw) from `job.checkpoint`, COMPLETED or FAILED is
 * left alone. The runner's result completes the job; a PermanentJobError fails it; any other
 * error is rethrown, so the job stays IN_PROGRESS and the stream retries the record (after
 * its retries it goes to the on-failure destination).
 */
export function createJobWorker(
  kind: JobKind,
  runner: JobRunner,
  deps: JobWorkerDependencies,
): (change: StreamChange) => Promise<JobSummary> {
  const { jobs } = deps.repositories;
  return async (change) => {
    const key = jobKeyOf(change);
    let job = await jobs.get(key.userId, key.jobId);
    if (!job) return { jobId: key.jobId, outcome: "missing" };
    if (job.kind !== kind)
      throw new MalformedRecordError(`Job ${job.jobId} is a ${job.kind} job, not ${kind}`);
    if (isFinishedJob(job.status)) return { jobId: job.jobId, outcome: "already-finished" };
    if (job.status === "PENDING") {
      try {
        job = await jobs.start(job);
      } catch (error) {
        // Another delivery started it a moment ago: carry on from what it saved.
        if (!(error instanceof IllegalJobTransitionError)) throw error;
        const current = await jobs.get(key.userId, key.jobId);
        if (!current || isFinishedJob(current.status)) {
          return { jobId: key.jobId, outcome: current ? "already-finished" : "missing" };
        }
        job = current;
      }
    } else {
      deps.logger.info("Resuming a job that was in progress", {
        jobId: job.jobId,
        kind,
        checkpoint: job.checkpoint,
      });
    }

    const running: Job = job;
    let result: Record<string, unknown>;
    try {
      result = await runner({
        job: running,
        checkpoint: async (progress, state) => {
          await jobs.checkpoint(running, progress, state);
        },
      });
    } catch (error) {
      if (!(error instanceof PermanentJobError)) throw error;
      deps.logger.warn("The job failed for good", { jobId: running.jobId, kind, code: error.code, error });
      await jobs.fail(running, { code: error.code, message: error.message });
      return { jobId: running.jobId, outcome: "failed" };
    }
    await jobs.complete(running, result);
    return { jobId: running.jobId, outcome: "completed" };
  };
}
