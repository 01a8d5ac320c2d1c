import type { Job, JobCheckpoint, JobProgress } from "@hearth/domain";

/**
 * What the jobs worker hands the runner of a job's kind. The worker has already moved the
 * job to IN_PROGRESS (or found it there: a resumed run, `job.checkpoint` says where it stopped)
 * and records COMPLETED with the result the runner returns, or FAILED if it throws a
 * permanent error; any other throw leaves the job IN_PROGRESS for the stream's retry to resume.
 */
export interface JobRun {
  job: Job;
  /**
   * Saves progress and where to resume (IN_PROGRESS → IN_PROGRESS, conditional on the job
   * still being in progress). Call it after each step whose effects are durable, so a
   * resumed run never repeats a step that must not run twice.
   */
  checkpoint(progress: JobProgress, state: JobCheckpoint): Promise<void>;
}

export type JobRunner = (run: JobRun) => Promise<Record<string, unknown>>;
