import { JobsRepository, MemberDataReader, ProfileReader } from "@hearth/domain";
import { type FailureNotes, failureNotes } from "../failure-notes.js";
import { jobProcessor } from "../jobs/processors.js";
import { createJobWorker, type JobWorkerDependencies } from "../jobs/worker.js";
import type { StreamProcessorHandler } from "../pipeline.js";
import { processorIdentity } from "../processor-manifest.js";
import {
  type CoreProcessorDependencies,
  coreProcessorDependenciesFromEnv,
  repositoryContextFromEnv,
} from "../runtime.js";
import type { ExportSources } from "./document.js";
import { createExportRunner } from "./export-runner.js";
import { exportsManifest } from "./manifest.js";
import { type ExportObjects, exportObjectsFromEnv } from "./s3-export.js";

/**
 * Everything the export worker uses, part by part: the core, the repositories it reads and
 * moves the job along with (profiles, a member's data, jobs), and where documents are written.
 * No SES client, no idempotency store (the job record is its own, see `jobProcessor`).
 */
export type ExportsProcessorDependencies = CoreProcessorDependencies &
  FailureNotes &
  ExportSources &
  JobWorkerDependencies & { exportObjects: ExportObjects };

/** The export worker's parts from its environment (the bucket: `ATTACHMENTS_BUCKET`, `S3_ENDPOINT` locally). */
export function exportsProcessorDependencies(
  env: NodeJS.ProcessEnv = process.env,
): ExportsProcessorDependencies {
  const context = repositoryContextFromEnv(env);
  return {
    ...coreProcessorDependenciesFromEnv(env, exportsManifest),
    ...failureNotes(context),
    repositories: {
      profiles: new ProfileReader(context),
      memberData: new MemberDataReader(context),
      jobs: new JobsRepository(context),
    },
    exportObjects: exportObjectsFromEnv(env),
  };
}

export function createExportsProcessor(deps: ExportsProcessorDependencies): StreamProcessorHandler {
  const runner = createExportRunner(deps);
  return jobProcessor(processorIdentity(exportsManifest), deps, createJobWorker("export", runner, deps));
}

/** Builds the export worker from its environment; tests replace parts with `overrides`. */
export function buildExportsProcessor(
  env: NodeJS.ProcessEnv = process.env,
  overrides: Partial<ExportsProcessorDependencies> = {},
): StreamProcessorHandler {
  return createExportsProcessor({ ...exportsProcessorDependencies(env), ...overrides });
}

export const exportsFunction = { manifest: exportsManifest, build: buildExportsProcessor };
