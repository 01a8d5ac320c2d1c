import type { BaseProcessorDependencies } from "../dependencies.js";
import type { JobRunner } from "../jobs/runner.js";

/**
 * The runner the deletion worker is built with. The cascade itself is another part of issue
 * 12 (k12c's `createDeletionRunner(deps)`), plugged in here at merge. Until then a deletion
 * job is not run: the error is transient on purpose, so the job stays IN_PROGRESS (never
 * FAILED), the record ends in the on-failure destination, and it can be replayed once the
 * cascade is in.
 */
export function createDeletionRunner(_deps: BaseProcessorDependencies): JobRunner {
  return async ({ job }) => {
    throw new Error(`No deletion runner is wired into this build; job ${job.jobId} was left in progress`);
  };
}
