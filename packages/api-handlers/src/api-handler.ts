import { type ApiHandler, createAreaHandler, resolveAreaRoute } from "./area-handler.js";
import type { AreaRoutes, RouteHandler } from "./area-routes.js";
import { adminRoutes } from "./areas/admin.js";
import { commentRoutes } from "./areas/comments.js";
import { feedRoutes } from "./areas/feed.js";
import { jobRoutes } from "./areas/jobs.js";
import { messageRoutes } from "./areas/messages.js";
import { profileRoutes } from "./areas/profile.js";
import { reactionRoutes } from "./areas/reactions.js";
import type { AllAreaDependencies } from "./dependencies.js";
import type { ApiArea } from "./routes.js";

export type { ApiHandler } from "./area-handler.js";

/**
 * Every area's routes, for callers that serve all areas from one process (the local stack,
 * tests). Lambda entries import only their own area and call `createAreaHandler` directly.
 */
const AREA_ROUTES: { [A in ApiArea]: AreaRoutes<A> } = {
  profile: profileRoutes,
  comments: commentRoutes,
  reactions: reactionRoutes,
  messages: messageRoutes,
  admin: adminRoutes,
  jobs: jobRoutes,
  feed: feedRoutes,
};

/** The implementation of a route of `area`, if the route table gives it that area. */
export function routeHandlerFor(area: ApiArea, method: string, resource: string): RouteHandler | undefined {
  return resolveAreaRoute(area, AREA_ROUTES[area], method, resource)?.handler;
}

/** The Lambda handler of `area`, with every area's dependencies (a superset of what it uses). */
export function createApiHandler(area: ApiArea, deps: AllAreaDependencies): ApiHandler {
  return createAreaHandler(area, AREA_ROUTES[area], deps);
}
