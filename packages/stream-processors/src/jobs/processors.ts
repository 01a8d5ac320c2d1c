import { createExportRunner } from "../exports/export-runner.js";
import type { ExportObjects } from "../exports/s3-export.js";
import type { ProcessorName } from "../functions.js";
import {
  buildBatchPipeline,
  type ChangeHandler,
  countedHandler,
  type StreamProcessorHandler,
} from "../pipeline.js";
import type {
  ExportWorkerDependencies,
  JobPipelineDependencies,
  JobProcessorDependencies,
} from "./dependencies.js";
import type { JobRunner } from "./runner.js";
import { createJobWorker } from "./worker.js";

/**
 * A job worker: the batch pipeline without the idempotency store, because the job record is
 * its own: a redelivered INSERT finds the job finished (nothing happens) or IN_PROGRESS and
 * resumes it from its checkpoint, which is what a retry of a crashed run must do (an
 * in-progress idempotency record would refuse that retry until it expired, up to the job's
 * 15 minutes, and the record would run out of retries). It also keeps the store's code out of
 * the workers' bundles.
 */
function buildJobProcessor(
  name: ProcessorName,
  deps: JobPipelineDependencies,
  handleChange: ChangeHandler,
): StreamProcessorHandler {
  const counted = countedHandler(name, deps, handleChange);
  return buildBatchPipeline(name, deps, (_record, change) => counted(change));
}

/** The export worker: the only processor that writes export documents (its entry adds `exportObjects`). */
export function createExportProcessor(
  deps: ExportWorkerDependencies & { exportObjects?: ExportObjects | undefined },
): StreamProcessorHandler {
  const { exportObjects } = deps;
  if (!exportObjects) throw new Error("The export processor needs exportObjects");
  const runner = createExportRunner({ repositories: deps.repositories, exportObjects, clock: deps.clock });
  return buildJobProcessor("exports", deps, createJobWorker("export", runner, deps));
}

/** Builds the deletion runner from the processor's dependencies (the cascade that erases a member). */
export type DeletionRunnerFactory<Deps> = (deps: Deps) => JobRunner;

/** The deletion worker: runs each new deletion job with the runner `createRunner` builds. */
export function createDeletionProcessor<Deps extends JobProcessorDependencies>(
  deps: Deps,
  createRunner: DeletionRunnerFactory<Deps>,
): StreamProcessorHandler {
  return buildJobProcessor("deletions", deps, createJobWorker("deletion", createRunner(deps), deps));
}
