import {
  assertAdmin,
  assertMember,
  type Caller,
  isAdmin,
  type RateLimitKind,
  traceInvocation,
  writesAfter,
} from "@hearth/domain";
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from "aws-lambda";
import type { AreaRoutes } from "./area-routes.js";
import { INTERNAL_ERROR_MESSAGE, notFound, toHttpError } from "./http/errors.js";
import { comparableBody, IDEMPOTENT_REPLAY_HEADER, idempotencyKeyFrom } from "./http/idempotency.js";
import {
  assertJsonContentType,
  callerFromEvent,
  headerValue,
  isJsonContentType,
  pageRequestFrom,
  parseJsonBody,
  pathParameter,
  rawBody,
} from "./http/request.js";
import { corsHeaders, errorBody, htmlResponse, jsonResponse } from "./http/response.js";
import { type ApiRequest, type ApiResult, type RouteHandler, routeKey } from "./http/route-handler.js";
import type { IdempotentPosts, RateLimiting, RequestSteps, RequestStepsOf } from "./request-steps.js";
import { type ApiArea, findRoute, isPublicRoute, type RouteDefinition } from "./routes.js";

/** Gives back a rate-limit spend that turned out not to be a request of its own. */
async function refund(spent: Promise<{ refund(): Promise<void> }> | undefined): Promise<void> {
  const outcome = await spent?.then(
    (consumed) => consumed,
    () => undefined,
  );
  await outcome?.refund();
}

export type ApiHandler = (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;

/** The route and its implementation, if the route table gives `method resource` to `area`. */
export function resolveAreaRoute<A extends ApiArea, Deps>(
  area: A,
  areaRoutes: AreaRoutes<A, Deps>,
  method: string,
  resource: string,
): { route: RouteDefinition; handler: RouteHandler<Deps> } | undefined {
  const route = findRoute(method, resource);
  if (!route || route.area !== area) return undefined;
  const handler = (areaRoutes as Record<string, RouteHandler<Deps>>)[routeKey(route)];
  return handler ? { route, handler } : undefined;
}

/**
 * The Lambda handler of one area, given that area's routes: finds the route (`resource` +
 * `httpMethod`), checks the caller may use it, requires a JSON content type on the routes the
 * route table says take a body, counts the request against the member's rate limit for the
 * routes the route table gives one (admins are not limited), runs a POST with an
 * `Idempotency-Key` at most once per key, and turns every outcome into a JSON response with
 * CORS headers. Each request runs in its own X-Ray subsegment and is counted by route and
 * outcome (`deps.metrics`). Logs carry the request id and route, never the token or the body. It imports no area, so a Lambda entry that passes its own area's routes bundles
 * only those.
 */
export function createAreaHandler<A extends ApiArea, Deps>(
  area: A,
  // The area is inferred from `area` and the dependencies from the routes alone, so another
  // area's routes, or fewer dependencies than the routes and the request steps use, do not compile.
  areaRoutes: AreaRoutes<NoInfer<A>, Deps>,
  areaDeps: NoInfer<Deps & RequestStepsOf<A>>,
): ApiHandler {
  // `RequestStepsOf` gives an area the idempotency store when it has a POST route and the
  // rate limits when it has a rate-limited one: exactly when the steps below reach for them.
  const deps = areaDeps as Deps & RequestSteps & IdempotentPosts & RateLimiting;
  return (event, context) => {
    const routeName = `${event.httpMethod} ${event.resource}`;
    return traceInvocation(deps.tracer, routeName, { route: routeName }, async (annotate) => {
      const response = await handle(event, context, routeName);
      annotate("statusCode", response.statusCode);
      return response;
    });
  };

  async function handle(
    event: APIGatewayProxyEvent,
    context: Context,
    routeName: string,
  ): Promise<APIGatewayProxyResult> {
    const startedAt = Date.now();
    const logger = deps.logger.createChild({
      persistentKeys: {
        requestId: event.requestContext?.requestId,
        route: routeName,
      },
    });
    logger.addContext(context);
    const headers = corsHeaders(headerValue(event, "origin"), deps.allowedOrigins);
    // A CORS preflight carries no token; it only learns what the CORS headers already say.
    if (event.httpMethod === "OPTIONS") return { statusCode: 204, headers, body: "" };
    let caller: Caller | undefined;
    let writes: RateLimitKind | undefined;
    try {
      const resolved = resolveAreaRoute(area, areaRoutes, event.httpMethod, event.resource);
      if (!resolved) throw notFound("There is no such route");
      const { route, handler } = resolved;
      writes = route.rateLimit;
      // A public route carries no token (its own check, e.g. a signed link, is the route's).
      const isPublic = isPublicRoute(route);
      if (!isPublic) {
        caller = callerFromEvent(event, deps.now());
        assertMember(caller);
        if (route.access === "admin") assertAdmin(caller);
      }
      // A route whose body is optional takes a request with none (and no Content-Type, or a
      // JSON one) as it took it before it had a body.
      const contentType = headerValue(event, "content-type");
      const sentNoBody =
        route.requestBody === "optional" &&
        (event.body ?? "") === "" &&
        (contentType === undefined || isJsonContentType(contentType));
      if (route.requestBody && !sentNoBody) assertJsonContentType(event);
      await deps.refreshCursorKeys();
      const body = rawBody(event);
      const verifiedCaller = caller;
      const request: ApiRequest = {
        get caller(): Caller {
          if (!verifiedCaller) throw new Error(`${routeKey(route)} is public: it has no caller`);
          return verifiedCaller;
        },
        path: (name) => pathParameter(event, name),
        page: () => pageRequestFrom(event),
        query: (name) => event.queryStringParameters?.[name] ?? undefined,
        body: (schema) => {
          // The route table decides which routes get the content-type check; a route that
          // reads a body without being listed there is a bug, not a client error.
          if (!route.requestBody)
            throw new Error(`${routeKey(route)} reads a body but is not marked requestBody`);
          return parseJsonBody(body, schema);
        },
        optionalBody: (schema) => {
          if (route.requestBody !== "optional")
            throw new Error(
              `${routeKey(route)} reads an optional body but is not marked requestBody: "optional"`,
            );
          return sentNoBody ? undefined : parseJsonBody(body, schema);
        },
        header: (name) => headerValue(event, name),
      };
      // A public POST is not stored for replay: there is no caller to key it by, and the
      // public routes are idempotent by themselves.
      const idempotencyKey =
        route.method === "POST" && verifiedCaller ? idempotencyKeyFrom(event) : undefined;
      const rateLimit = route.rateLimit;
      // The shared steps and the route's first reads run at once; the route's writes wait for
      // the steps that may still refuse it (`writesAfter`), so a refused request writes
      // nothing. Spending the rate limit is the one write that does not wait.
      const spent =
        rateLimit && verifiedCaller && !isAdmin(verifiedCaller)
          ? deps.rateLimitCounters.consume(verifiedCaller.userId, rateLimit, deps.rateLimits[rateLimit])
          : undefined;
      spent?.catch(() => {});
      // A token issued before its holder's membership ended is refused. The list is read at
      // most once a minute per container, beside the route's first reads; writes wait for it.
      const admitted = verifiedCaller
        ? deps.revocations.assertNotRevoked(verifiedCaller.userId, verifiedCaller.issuedAt)
        : Promise.resolve();
      admitted.catch(() => {});
      const refusals = Promise.all([spent, admitted]);
      refusals.catch(() => {});
      let result: ApiResult;
      let replayed = false;
      if (idempotencyKey === undefined) {
        const work = writesAfter(refusals, () => handler(request, deps));
        // A revoked token, then the rate limit, win over whatever the route answered.
        const [revocation, limit, outcome] = await Promise.allSettled([admitted, spent, work]);
        if (revocation.status === "rejected") {
          await refund(spent);
          throw revocation.reason;
        }
        if (limit.status === "rejected") throw limit.reason;
        if (outcome.status === "rejected") throw outcome.reason;
        result = outcome.value;
      } else {
        // Written only once Powertools has stored this key's in-progress record (it runs the
        // work then); a key already used answers without running it, and the route stops.
        let recorded!: { resolve(): void; reject(reason: unknown): void };
        const recordStored = new Promise<void>((resolve, reject) => {
          recorded = { resolve, reject };
        });
        const work = writesAfter(Promise.all([refusals, recordStored]), () => handler(request, deps));
        work.catch(() => {});
        let ran = false;
        try {
          ({ result, replayed } = await deps.idempotency.run(
            {
              callerId: (verifiedCaller as Caller).userId,
              route: routeKey(route),
              key: idempotencyKey,
              request: {
                pathParameters: event.pathParameters,
                query: event.queryStringParameters,
                body: comparableBody(body),
              },
            },
            context,
            async () => {
              ran = true;
              recorded.resolve();
              // Refused (a revoked token, the rate limit): Powertools removes the in-progress record.
              await admitted;
              await spent;
              return work;
            },
          ));
        } catch (error) {
          // Refused by the idempotency record (in progress, or the key reused): not a request
          // of its own, so it gives back what it spent.
          if (!ran) await refund(spent);
          throw error;
        } finally {
          recorded.reject(new Error("The request was answered without running"));
          await Promise.allSettled([work]);
        }
        // A retry answered from the stored response is the same request again: it neither
        // counts nor is refused.
        if (replayed) await refund(spent);
      }
      // A stored response replayed for a key is answered without the route: still not to a revoked token.
      await admitted;
      logger.info("Request handled", {
        statusCode: result.statusCode,
        userId: caller?.userId,
        replayed,
        durationMs: Date.now() - startedAt,
      });
      deps.metrics.requestCompleted({
        route: routeName,
        outcome: "success",
        statusCode: result.statusCode,
        writes,
        replayed,
      });
      if (result.mediaType === "text/html") {
        return htmlResponse(result.statusCode, String(result.body), headers);
      }
      return jsonResponse(
        result.statusCode,
        result.body,
        replayed ? { ...headers, [IDEMPOTENT_REPLAY_HEADER]: "true" } : headers,
      );
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
        deps.metrics.requestCompleted({
          route: routeName,
          // A 503 (a dependency timed out or throttled) is ours to fix, not the client's.
          outcome: httpError.statusCode >= 500 ? "fault" : "refused",
          statusCode: httpError.statusCode,
          errorCode: httpError.code,
          writes,
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
      deps.metrics.requestCompleted({
        route: routeName,
        outcome: "fault",
        statusCode: 500,
        errorCode: "INTERNAL_ERROR",
      });
      return jsonResponse(500, errorBody("INTERNAL_ERROR", INTERNAL_ERROR_MESSAGE), headers);
    }
  }
}
