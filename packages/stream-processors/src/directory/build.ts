import { MemberNamesRepository, ProfileReader } from "@hearth/domain";
import { type FailureNotes, failureNotes } from "../failure-notes.js";
import { type IdempotencyStore, idempotencyStoreFromEnv, idempotentProcessor } from "../idempotency.js";
import type { OutcomeCounter, StreamProcessorHandler } from "../pipeline.js";
import { processorIdentity } from "../processor-manifest.js";
import {
  type CoreProcessorDependencies,
  coreProcessorDependenciesFromEnv,
  repositoryContextFromEnv,
} from "../runtime.js";
import { directoryManifest } from "./manifest.js";
import { createDirectorySync, type DirectorySummary, type DirectorySyncDependencies } from "./sync.js";

/** Everything the directory processor uses: the core, the idempotency store, the profiles it reads and the name index. */
export type DirectoryProcessorDependencies = CoreProcessorDependencies &
  FailureNotes &
  IdempotencyStore &
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
    ...idempotencyStoreFromEnv(env),
    repositories: { profiles: new ProfileReader(context), memberNames: new MemberNamesRepository(context) },
  };
}

/** On the shared pipeline, each record run once per eventID (its entries are counted once). */
function createDirectoryProcessor(deps: DirectoryProcessorDependencies): StreamProcessorHandler {
  return idempotentProcessor(
    processorIdentity(directoryManifest),
    deps,
    createDirectorySync(deps),
    countEntries,
  );
}

/** Builds the directory processor from its environment; tests replace parts with `overrides`. */
export function buildDirectoryProcessor(
  env: NodeJS.ProcessEnv = process.env,
  overrides: Partial<DirectoryProcessorDependencies> = {},
): StreamProcessorHandler {
  return createDirectoryProcessor({ ...directoryProcessorDependencies(env), ...overrides });
}

export const directoryFunction = { manifest: directoryManifest, build: buildDirectoryProcessor };
