import type { FunctionManifest } from "@hearth/domain";
import { type ApiHandler, resolveAreaRoute } from "./area-handler.js";
import type { AreaRoutes, RouteHandler } from "./area-routes.js";
import { buildAdminArea } from "./areas/admin.build.js";
import { adminRoutes } from "./areas/admin.js";
import { adminManifest } from "./areas/admin.manifest.js";
import { buildCommentsArea } from "./areas/comments.build.js";
import { commentRoutes } from "./areas/comments.js";
import { commentsManifest } from "./areas/comments.manifest.js";
import { buildFeedArea } from "./areas/feed.build.js";
import { feedRoutes } from "./areas/feed.js";
import { feedManifest } from "./areas/feed.manifest.js";
import { buildJobsArea } from "./areas/jobs.build.js";
import { jobRoutes } from "./areas/jobs.js";
import { jobsManifest } from "./areas/jobs.manifest.js";
import { buildMessagesArea } from "./areas/messages.build.js";
import { messageRoutes } from "./areas/messages.js";
import { messagesManifest } from "./areas/messages.manifest.js";
import { buildProfileArea } from "./areas/profile.build.js";
import { profileRoutes } from "./areas/profile.js";
import { profileManifest } from "./areas/profile.manifest.js";
import { buildReactionsArea } from "./areas/reactions.build.js";
import { reactionRoutes } from "./areas/reactions.js";
import { reactionsManifest } from "./areas/reactions.manifest.js";
import { buildRealtimeAuthorizer } from "./realtime/authorizer.build.js";
import { realtimeAuthorizerManifest, realtimeRoutesManifest } from "./realtime/manifests.js";
import { buildRealtimeRoutes } from "./realtime/routes.build.js";
import { API_AREAS, type ApiArea } from "./routes.js";

/**
 * One API area's function: its manifest, its routes, and its builder, which makes the Lambda
 * handler from the function's environment (the Lambda entry, `pnpm dev`, tests and benchmarks
 * all build it so; `overrides` replace parts of what it builds).
 */
export interface ApiFunction<A extends ApiArea> {
  manifest: FunctionManifest<`api-${A}`>;
  // A route implementation takes at least what the area's builder composes.
  routes: AreaRoutes<A, never>;
  build(env?: NodeJS.ProcessEnv, overrides?: never): ApiHandler;
}

/** The function of each REST API area (one line per area). */
export const API_FUNCTIONS = {
  profile: { manifest: profileManifest, routes: profileRoutes, build: buildProfileArea },
  comments: { manifest: commentsManifest, routes: commentRoutes, build: buildCommentsArea },
  reactions: { manifest: reactionsManifest, routes: reactionRoutes, build: buildReactionsArea },
  messages: { manifest: messagesManifest, routes: messageRoutes, build: buildMessagesArea },
  admin: { manifest: adminManifest, routes: adminRoutes, build: buildAdminArea },
  jobs: { manifest: jobsManifest, routes: jobRoutes, build: buildJobsArea },
  feed: { manifest: feedManifest, routes: feedRoutes, build: buildFeedArea },
} as const satisfies { [A in ApiArea]: ApiFunction<A> };

type Overrides<A extends ApiArea> = NonNullable<Parameters<(typeof API_FUNCTIONS)[A]["build"]>[1]>;
type Intersection<U> = (U extends unknown ? (part: U) => void : never) extends (all: infer I) => void
  ? I
  : never;

/**
 * What a caller that builds every area (the local stack, tests, benchmarks) may pass as
 * `overrides` to each builder alike: parts that fit every area that uses them.
 */
export type AllAreaOverrides = Intersection<{ [A in ApiArea]: Overrides<A> }[ApiArea]>;

/** The implementation of a route of `area`, if the route table gives it that area. */
export function routeHandlerFor<A extends ApiArea>(
  area: A,
  method: string,
  resource: string,
): RouteHandler<never> | undefined {
  const routes = API_FUNCTIONS[area].routes as unknown as AreaRoutes<A, never>;
  return resolveAreaRoute(area, routes, method, resource)?.handler;
}

/** Each area's handler, built by its own builder from `env`, with `overrides` replacing parts. */
export function buildApiHandlers(
  env: NodeJS.ProcessEnv = process.env,
  overrides: AllAreaOverrides = {},
): Record<ApiArea, ApiHandler> {
  return Object.fromEntries(
    API_AREAS.map((area) => [area, API_FUNCTIONS[area].build(env, overrides)]),
  ) as Record<ApiArea, ApiHandler>;
}

/** The manifest of each REST API area's function (what infra reads). */
export const API_MANIFESTS = Object.fromEntries(
  API_AREAS.map((area) => [area, API_FUNCTIONS[area].manifest]),
) as { [A in ApiArea]: (typeof API_FUNCTIONS)[A]["manifest"] };

/** The WebSocket API's functions, with their builders. */
export const REALTIME_FUNCTIONS = {
  "realtime-authorizer": { manifest: realtimeAuthorizerManifest, build: buildRealtimeAuthorizer },
  "realtime-routes": { manifest: realtimeRoutesManifest, build: buildRealtimeRoutes },
} as const;

/** The WebSocket API's functions' manifests. */
export const REALTIME_MANIFESTS = {
  "realtime-authorizer": REALTIME_FUNCTIONS["realtime-authorizer"].manifest,
  "realtime-routes": REALTIME_FUNCTIONS["realtime-routes"].manifest,
} as const;
export type RealtimeFunctionName = keyof typeof REALTIME_MANIFESTS;
