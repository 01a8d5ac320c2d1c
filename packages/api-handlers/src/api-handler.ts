import { assertAdmin, assertMember, type Caller } from "@hearth/domain";
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from "aws-lambda";
import { commentRoutes } from "./areas/comments.js";
import { messageRoutes } from "./areas/messages.js";
import { profileRoutes } from "./areas/profile.js";
import { reactionRoutes } from "./areas/reactions.js";
import type { ApiDependencies } from "./dependencies.js";
import { INTERNAL_ERROR_MESSAGE, notFound, toHttpError } from "./http/errors.js";
import {
  callerFromEvent,
  headerValue,
  pageRequestFrom,
  parseJsonBody,
  pathParameter,
  rawBody,
} from "./http/request.js";
import { corsHeaders, errorBody, jsonResponse } from "./http/response.js";
import { type ApiRequest, type AreaRoutes, type RouteHandler, routeKey } from "./http/route-handler.js";
import { type ApiArea, findRoute } from "./routes.js";

const AREA_ROUTES: { [A in ApiArea]: AreaRoutes<A> } = {
  profile: profileRoutes,
  comments: commentRoutes,
  reactions: reactionRoutes,
  messages: messageRoutes,
};

/** The route and its implementation, if the route table gives `method resource` to `area`. */
function resolveRoute(area: ApiArea, method: string, resource: string) {
  const route = findRoute(method, resource);
  if (!route || route.area !== area) return undefined;
  const handler = (AREA_ROUTES[area] as Record<string, RouteHandler>)[routeKey(route)];
  return handler ? { route, handler } : undefined;
}

/** The implementation of a route of `area`, if the route table gives it that area. */
export function routeHandlerFor(area: ApiArea, method: string, resource: string): RouteHandler | undefined {
  return resolveRoute(area, method, resource)?.handler;
}

export type ApiHandler = (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;

/**
 * The Lambda handler of one area: finds the route (`resource` + `httpMethod`), checks the
 * caller may use it, runs it, and turns every outcome into a JSON response with CORS
 * headers. Logs carry the request id and route, never the token or the body.
 */
export function createApiHandler(area: ApiArea, deps: ApiDependencies): ApiHandler {
  return async (event, context) => {
    const startedAt = Date.now();
    const logger = deps.logger.createChild({
      persistentKeys: {
        requestId: event.requestContext?.requestId,
        route: `${event.httpMethod} ${event.resource}`,
      },
    });
    logger.addContext(context);
    const headers = corsHeaders(headerValue(event, "origin"), deps.allowedOrigins);
    // A CORS preflight carries no token; it only learns what the CORS headers already say.
    if (event.httpMethod === "OPTIONS") return { statusCode: 204, headers, body: "" };
    let caller: Caller | undefined;
    try {
      const resolved = resolveRoute(area, event.httpMethod, event.resource);
      if (!resolved) throw notFound("There is no such route");
      const { route, handler } = resolved;
      caller = callerFromEvent(event, deps.now());
      assertMember(caller);
      if (route.access === "admin") assertAdmin(caller);
      const body = rawBody(event);
      const request: ApiRequest = {
        caller,
        path: (name) => pathParameter(event, name),
        page: () => pageRequestFrom(event),
        body: (schema) => parseJsonBody(body, schema),
      };
      const result = await handler(request, deps);
      logger.info("Request handled", {
        statusCode: result.statusCode,
        userId: caller.userId,
        durationMs: Date.now() - startedAt,
      });
      return jsonResponse(result.statusCode, result.body, headers);
    } catch (error) {
      const httpError = toHttpError(error);
      if (httpError) {
        logger.info("Request refused", {
          statusCode: httpError.statusCode,
          errorCode: httpError.code,
          reason: httpError.message,
          userId: caller?.userId,
          durationMs: Date.now() - startedAt,
        });
        return jsonResponse(httpError.statusCode, errorBody(httpError.code, httpError.message), {
          ...headers,
          ...httpError.headers,
        });
      }
      logger.error("Request failed", {
        statusCode: 500,
        userId: caller?.userId,
        durationMs: Date.now() - startedAt,
        error,
      });
      return jsonResponse(500, errorBody("INTERNAL_ERROR", INTERNAL_ERROR_MESSAGE), headers);
    }
  };
}
