import {
  CommentsRepository,
  ConnectionsRepository,
  ConversationsRepository,
  HeldNotificationsRepository,
  JobsRepository,
  NotificationsRepository,
  ProfilesRepository,
  RateLimitsRepository,
  ReactionsRepository,
  RevocationsRepository,
  StoredResponsesRepository,
} from "@hearth/domain";
import { type FailureNotes, failureNotes } from "../failure-notes.js";
import { jobProcessor } from "../jobs/processors.js";
import type { JobRunner } from "../jobs/runner.js";
import { createJobWorker, type JobWorkerDependencies } from "../jobs/worker.js";
import type { StreamProcessorHandler } from "../pipeline.js";
import { processorIdentity } from "../processor-manifest.js";
import {
  type CoreProcessorDependencies,
  coreProcessorDependenciesFromEnv,
  repositoryContextFromEnv,
} from "../runtime.js";
import { createDeletionRunner } from "./deletion.js";
import { deletionPortsFromEnv } from "./deletion-ports.js";
import { deletionsManifest } from "./manifest.js";

/**
 * Everything the deletion worker uses, part by part: the core, the Jobs repository the worker
 * moves each job along with, and the runner of the account deletion cascade.
 */
export type DeletionsProcessorDependencies = CoreProcessorDependencies &
  FailureNotes &
  JobWorkerDependencies & {
    /** Runs one deletion job (the cascade over the member's data, then their user-pool account). */
    runDeletion: JobRunner;
  };

/** The deletion worker's parts from its environment: the repositories of the cascade, the user pool, the rate limits. */
export function deletionsProcessorDependencies(
  env: NodeJS.ProcessEnv = process.env,
): DeletionsProcessorDependencies {
  const context = repositoryContextFromEnv(env);
  const comments = new CommentsRepository(context);
  const jobs = new JobsRepository(context);
  return {
    ...coreProcessorDependenciesFromEnv(env, deletionsManifest),
    ...failureNotes(context),
    repositories: { jobs },
    runDeletion: createDeletionRunner({
      ...deletionPortsFromEnv(env),
      repositories: {
        jobs,
        reactions: new ReactionsRepository(context, comments),
        comments,
        conversations: new ConversationsRepository(context),
        rateLimits: new RateLimitsRepository(context),
        notifications: new NotificationsRepository(context),
        heldNotifications: new HeldNotificationsRepository(context),
        connections: new ConnectionsRepository(context),
        storedResponses: new StoredResponsesRepository(context),
        profiles: new ProfilesRepository(context),
        revocations: new RevocationsRepository(context),
      },
    }),
  };
}

export function createDeletionsProcessor(deps: DeletionsProcessorDependencies): StreamProcessorHandler {
  return jobProcessor(
    processorIdentity(deletionsManifest),
    deps,
    createJobWorker("deletion", deps.runDeletion, deps),
  );
}

/** Builds the deletion worker from its environment; tests replace parts (the runner) with `overrides`. */
export function buildDeletionsProcessor(
  env: NodeJS.ProcessEnv = process.env,
  overrides: Partial<DeletionsProcessorDependencies> = {},
): StreamProcessorHandler {
  return createDeletionsProcessor({ ...deletionsProcessorDependencies(env), ...overrides });
}

export const deletionsFunction = { manifest: deletionsManifest, build: buildDeletionsProcessor };
