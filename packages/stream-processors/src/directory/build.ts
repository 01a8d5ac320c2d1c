import { MemberNamesRepository, ProfileReader } from "@hearth/domain";
import { type FailureNotes, failureNotes } from "../failure-notes.js";
import {
  buildBatchPipeline,
  countedHandler,
  type OutcomeCounter,
  type StreamProcessorHandler,
} from "../pipeline.js";
import { processorIdentity } from "../processor-manifest.js";
import {
  type CoreProcessorDependencies,
  coreProcessorDependenciesFromEnv,
  repositoryContextFromEnv,
} from "../runtime.js";
import { directoryManifest } from "./manifest.js";
import { createDirectorySync, type DirectorySummary, type DirectorySyncDependencies } from "./sync.js";

/** Everything the directory processor uses: the core, the profiles it reads and the name index. */
export type DirectoryProcessorDependencies = CoreProcessorDependencies &
  FailureNotes &
  DirectorySyncDependencies;

/** Entries written and removed in the name index. */
const countEntries: OutcomeCounter<DirectorySummary> = {
  succeeded(metrics, _change, summary) {
    if (summary.written) metrics.addMetric("NameEntriesWritten", "Count", summary.written);
    if (summary.deleted) metrics.addMetric("NameEntriesRemoved", "Count", summary.deleted);
  },
};

/** The directory processor's parts from its environment. */
function directoryProcessorDependencies(
  env: NodeJS.ProcessEnv = process.env,
): DirectoryProcessorDependencies {
  const context = repositoryContextFromEnv(env);
  return {
    ...coreProcessorDependenciesFromEnv(env, directoryManifest),
    ...failureNotes(context),
    repositories: { profiles: new ProfileReader(context), memberNames: new MemberNamesRepository(context) },
  };
}

/**
 * On the shared pipeline without an idempotency store: a sync makes the entries what the
 * profile says now, so running a record again changes nothing (a redelivery costs a read, where
 * a once-per-record guard would cost two writes for every profile change, counters included).
 */
function createDirectoryProcessor(deps: DirectoryProcessorDependencies): StreamProcessorHandler {
  const counted = countedHandler(deps, createDirectorySync(deps), countEntries);
  return buildBatchPipeline(processorIdentity(directoryManifest), deps, (_record, change) => counted(change));
}

/** Builds the directory processor from its environment; tests replace parts with `overrides`. */
export function buildDirectoryProcessor(
  env: NodeJS.ProcessEnv = process.env,
  overrides: Partial<DirectoryProcessorDependencies> = {},
): StreamProcessorHandler {
  return createDirectoryProcessor({ ...directoryProcessorDependencies(env), ...overrides });
}

export const directoryFunction = { manifest: directoryManifest, build: buildDirectoryProcessor };
