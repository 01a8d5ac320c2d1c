import type { FailureNotes } from "../failure-notes.js";
import {
  buildBatchPipeline,
  type ChangeHandler,
  countedHandler,
  type OutcomeCounter,
  type ProcessorIdentity,
  type StreamProcessorHandler,
} from "../pipeline.js";
import type { CoreProcessorDependencies } from "../runtime.js";
import type { JobSummary } from "./worker.js";

/** A job worker counts the jobs it ran to an end. */
const countJobs: OutcomeCounter<JobSummary> = {
  succeeded(metrics, _change, { outcome }) {
    if (outcome === "completed") metrics.addMetric("JobsCompleted", "Count", 1);
    if (outcome === "failed") metrics.addMetric("JobsFailed", "Count", 1);
  },
};

/**
 * A job worker: the batch pipeline without the idempotency store, because the job record is
 * its own: a redelivered INSERT finds the job finished (nothing happens) or IN_PROGRESS and
 * resumes it from its checkpoint, which is what a retry of a crashed run must do (an
 * in-progress idempotency record would refuse that retry until it expired, up to the job's
 * 15 minutes, and the record would run out of retries). It also keeps the store's code out of
 * the workers' bundles.
 */
export function jobProcessor(
  identity: ProcessorIdentity,
  deps: CoreProcessorDependencies & FailureNotes,
  handleChange: ChangeHandler<JobSummary>,
): StreamProcessorHandler {
  const counted = countedHandler(deps, handleChange, countJobs);
  return buildBatchPipeline(identity, deps, (_record, change) => counted(change));
}
