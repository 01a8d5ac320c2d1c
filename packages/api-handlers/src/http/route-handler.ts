import type { Caller, PageRequest } from "@hearth/domain";
import type { z } from "zod";

export type SuccessStatus = 200 | 201 | 202;

/** A parsed request as a route implementation sees it; everything is checked on access. */
export interface ApiRequest {
  /** Who called (verified by the authorizer); a public route has none and must not read it. */
  caller: Caller;
  /** A path parameter, decoded once and checked; 400 when missing or malformed. */
  path(name: string): string;
  /** `?limit=&cursor=`; 400 when the limit is out of range. */
  page(): PageRequest;
  /** A query string parameter as sent; undefined when absent. */
  query(name: string): string | undefined;
  /** The JSON body validated against `schema`; 400 when malformed or invalid. */
  body<T>(schema: z.ZodType<T>): T;
  /** The same for a route whose body is optional: undefined when the request sent none. */
  optionalBody<T>(schema: z.ZodType<T>): T | undefined;
  /** A request header by case-insensitive name, as sent; undefined when absent. */
  header(name: string): string | undefined;
}

export interface ApiResult<Body = unknown, Status extends SuccessStatus = SuccessStatus> {
  statusCode: Status;
  body: Body;
  /** `text/html`: the body is a page (a string), sent as is; JSON otherwise. */
  mediaType?: "text/html";
}

/** One route's implementation, given the dependencies it may use. */
export type RouteHandler<Deps, Result extends ApiResult = ApiResult> = (
  request: ApiRequest,
  deps: Deps,
) => Promise<Result>;

export const routeKey = (route: { method: string; resource: string }) => `${route.method} ${route.resource}`;

export const ok = <Body>(body: Body): ApiResult<Body, 200> => ({ statusCode: 200, body });
/** 200 with an HTML page (its contract declares `success.mediaType: "text/html"`). */
export const htmlPage = (page: string): ApiResult<string, 200> => ({
  statusCode: 200,
  body: page,
  mediaType: "text/html",
});
export const created = <Body>(body: Body): ApiResult<Body, 201> => ({ statusCode: 201, body });
/** 202: the work was accepted and runs in the background (a job was created). */
export const accepted = <Body>(body: Body): ApiResult<Body, 202> => ({ statusCode: 202, body });
