import type { RouteContracts, SuccessBody, SuccessStatusOf } from "./contract.js";
import type { ApiResult, RouteHandler as HttpRouteHandler, SuccessStatus } from "./http/route-handler.js";
import type { ApiArea, ROUTES } from "./routes.js";

// The app's typing of route implementations: the generic HTTP layer (`http/`) knows nothing
// of Hearth's route table, contracts or dependencies, so what ties them together lives here.

export { accepted, created, htmlPage, ok } from "./http/route-handler.js";

/** One route's implementation, given the dependencies its area's builder composes. */
export type RouteHandler<Deps, Result extends ApiResult = ApiResult> = HttpRouteHandler<Deps, Result>;

/** What a route answers on success, as its contract (`contract.ts`) declares it. */
type SuccessResult<K extends string> = K extends keyof RouteContracts
  ? ApiResult<SuccessBody<K>, Extract<SuccessStatusOf<K>, SuccessStatus>>
  : never;

type Route = (typeof ROUTES)[number];
/** `"GET /profile/{userId}"` and so on, for the routes of one area. */
type RouteKey<A extends ApiArea> =
  Extract<Route, { area: A }> extends infer R
    ? R extends { method: string; resource: string }
      ? `${R["method"]} ${R["resource"]}`
      : never
    : never;

/**
 * An area's implementation: exactly its routes from the route table, each answering the
 * status and body its contract declares, checked by the compiler, given `Deps`: what the
 * area's routes use (its own dependency type, which its builder composes).
 */
export type AreaRoutes<A extends ApiArea, Deps> = {
  [K in RouteKey<A>]: RouteHandler<Deps, SuccessResult<K>>;
};
