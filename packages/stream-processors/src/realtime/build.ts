import {
  CommentsRepository,
  ConnectionsRepository,
  ConversationsRepository,
  NotificationsRepository,
  ProfilesRepository,
  ReactionsRepository,
} from "@hearth/domain";
import { pushViewsFromEnv } from "@hearth/views/push-views";
import { type FailureNotes, failureNotes } from "../failure-notes.js";
import { type IdempotencyStore, idempotencyStoreFromEnv, idempotentProcessor } from "../idempotency.js";
import type { OutcomeCounter, StreamProcessorHandler } from "../pipeline.js";
import { processorIdentity } from "../processor-manifest.js";
import {
  type CoreProcessorDependencies,
  coreProcessorDependenciesFromEnv,
  repositoryContextFromEnv,
} from "../runtime.js";
import { connectionsApiFromEnv } from "./connections-api.js";
import { createRealtimeFanout, type FanoutSummary, type RealtimeFanoutDependencies } from "./fanout.js";
import { realtimeManifest } from "./manifest.js";

/**
 * Everything the realtime fanout uses, part by part: the core, the idempotency store (a
 * redelivered record pushes nothing again), its repositories, the REST API's views (a push
 * shows what a re-read would) and the WebSocket management API. No SES client.
 */
export type RealtimeProcessorDependencies = CoreProcessorDependencies &
  FailureNotes &
  IdempotencyStore &
  RealtimeFanoutDependencies;

const countPushes: OutcomeCounter<FanoutSummary> = {
  succeeded(metrics, _change, { pushed, gone, failed, notMember, closed }) {
    if (pushed) metrics.addMetric("PushesSent", "Count", pushed);
    // Pushes withheld from open sockets of people who are not members now.
    if (notMember) metrics.addMetric("PushesSkippedNotMember", "Count", notMember);
    // Connections closed without a $disconnect (their records are removed).
    if (gone) metrics.addMetric("PushesGone", "Count", gone);
    if (failed) metrics.addMetric("PushesFailed", "Count", failed);
    if (closed) metrics.addMetric("ConnectionsClosedOnRevocation", "Count", closed);
  },
};

/**
 * The fanout's parts from its environment: `WEBSOCKET_MANAGEMENT_ENDPOINT` (see
 * connections-api.ts) and the files bucket the download URLs point into (`ATTACHMENTS_BUCKET`,
 * `S3_ENDPOINT` locally), besides the tables.
 */
export function realtimeProcessorDependencies(
  env: NodeJS.ProcessEnv = process.env,
): RealtimeProcessorDependencies {
  const context = repositoryContextFromEnv(env);
  return {
    ...coreProcessorDependenciesFromEnv(env, realtimeManifest),
    ...failureNotes(context),
    ...idempotencyStoreFromEnv(env),
    repositories: {
      connections: new ConnectionsRepository(context),
      conversations: new ConversationsRepository(context),
      notifications: new NotificationsRepository(context),
      profiles: new ProfilesRepository(context),
      reactions: new ReactionsRepository(context, new CommentsRepository(context)),
    },
    views: pushViewsFromEnv(env),
    connectionsApi: connectionsApiFromEnv(env),
  };
}

/**
 * The realtime fanout: pushes to open WebSocket connections, at most once per record (a
 * redelivered record is answered from the idempotency store and pushes nothing again).
 */
export function createRealtimeProcessor(deps: RealtimeProcessorDependencies): StreamProcessorHandler {
  return idempotentProcessor(
    processorIdentity(realtimeManifest),
    deps,
    createRealtimeFanout(deps),
    countPushes,
  );
}

/** Builds the realtime fanout from its environment; tests replace parts with `overrides`. */
export function buildRealtimeProcessor(
  env: NodeJS.ProcessEnv = process.env,
  overrides: Partial<RealtimeProcessorDependencies> = {},
): StreamProcessorHandler {
  return createRealtimeProcessor({ ...realtimeProcessorDependencies(env), ...overrides });
}

export const realtimeFunction = { manifest: realtimeManifest, build: buildRealtimeProcessor };
