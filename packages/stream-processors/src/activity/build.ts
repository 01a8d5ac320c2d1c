import { ProfilesRepository } from "@hearth/domain";
import { type FailureNotes, failureNotes } from "../failure-notes.js";
import { type IdempotencyStore, idempotencyStoreFromEnv, idempotentProcessor } from "../idempotency.js";
import type { OutcomeCounter, StreamProcessorHandler } from "../pipeline.js";
import { processorIdentity } from "../processor-manifest.js";
import {
  type CoreProcessorDependencies,
  coreProcessorDependenciesFromEnv,
  repositoryContextFromEnv,
} from "../runtime.js";
import type { StreamChange } from "../stream-change.js";
import {
  type ActivityAggregatorDependencies,
  type ActivitySummary,
  createActivityAggregator,
} from "./aggregate.js";
import { activityManifest } from "./manifest.js";

/** Everything the activity processor uses, part by part. */
export type ActivityProcessorDependencies = CoreProcessorDependencies &
  FailureNotes &
  IdempotencyStore &
  ActivityAggregatorDependencies;

/** What the family did, counted once: by the activity processor, which sees every new item. */
const ACTIVITY_METRICS: Partial<Record<StreamChange["table"], string>> = {
  Comments: "CommentsPosted",
  CommentReactions: "ReactionsAdded",
  Messages: "MessagesSent",
};

const countActivity: OutcomeCounter<ActivitySummary> = {
  succeeded(metrics, change) {
    const metric = ACTIVITY_METRICS[change.table];
    if (metric && change.eventName === "INSERT") metrics.addMetric(metric, "Count", 1);
  },
};

/** The activity processor's parts from its environment: the core, the idempotency store, the profiles. */
export function activityProcessorDependencies(
  env: NodeJS.ProcessEnv = process.env,
): ActivityProcessorDependencies {
  const context = repositoryContextFromEnv(env);
  return {
    ...coreProcessorDependenciesFromEnv(env, activityManifest),
    ...failureNotes(context),
    ...idempotencyStoreFromEnv(env),
    repositories: { profiles: new ProfilesRepository(context) },
  };
}

export function createActivityProcessor(deps: ActivityProcessorDependencies): StreamProcessorHandler {
  return idempotentProcessor(
    processorIdentity(activityManifest),
    deps,
    createActivityAggregator(deps),
    countActivity,
  );
}

/** Builds the activity processor from its environment; tests replace parts with `overrides`. */
export function buildActivityProcessor(
  env: NodeJS.ProcessEnv = process.env,
  overrides: Partial<ActivityProcessorDependencies> = {},
): StreamProcessorHandler {
  return createActivityProcessor({ ...activityProcessorDependencies(env), ...overrides });
}

export const activityFunction = { manifest: activityManifest, build: buildActivityProcessor };
