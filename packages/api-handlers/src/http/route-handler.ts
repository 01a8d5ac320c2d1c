import type { Caller, PageRequest } from "@hearth/domain";
import type { z } from "zod";
import type { ApiDependencies, AreaDependencies } from "../dependencies.js";
import type { ApiArea, ROUTES } from "../routes.js";

/** A parsed request as a route implementation sees it; everything is checked on access. */
export interface ApiRequest {
  caller: Caller;
  /** A path parameter, decoded once and checked; 400 when missing or malformed. */
  path(name: string): string;
  /** `?limit=&cursor=`; 400 when the limit is out of range. */
  page(): PageRequest;
  /** The JSON body validated against `schema`; 400 when malformed or invalid. */
  body<T>(schema: z.ZodType<T>): T;
}

export interface ApiResult {
  statusCode: 200 | 201;
  body: unknown;
}

/** One route's implementation, given the dependencies its area may use. */
export type RouteHandler<Deps = ApiDependencies> = (request: ApiRequest, deps: Deps) => Promise<ApiResult>;

type Route = (typeof ROUTES)[number];
/** `"GET /profile/{userId}"` and so on, for the routes of one area. */
export type RouteKey<A extends ApiArea> =
  Extract<Route, { area: A }> extends infer R
    ? R extends { method: string; resource: string }
      ? `${R["method"]} ${R["resource"]}`
      : never
    : never;

/** An area's implementation: exactly its routes from the route table, checked by the compiler. */
export type AreaRoutes<A extends ApiArea> = Record<RouteKey<A>, RouteHandler<AreaDependencies<A>>>;

export const routeKey = (route: { method: string; resource: string }) => `${route.method} ${route.resource}`;

export const ok = (body: unknown): ApiResult => ({ statusCode: 200, body });
export const created = (body: unknown): ApiResult => ({ statusCode: 201, body });
