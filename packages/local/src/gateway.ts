import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import {
  API_FUNCTION_TIMEOUT_SECONDS,
  type ApiArea,
  buildProxyEvent,
  CORS_MAX_AGE_SECONDS,
  corsHeaders,
  isPublicRoute,
  type RouteDefinition,
} from "@hearth/api-handlers";
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from "aws-lambda";
import { apiDocsReply } from "./api-docs.js";
import { createLambdaContext } from "./lambda-context.js";
import type { IdTokenVerifier } from "./token-verifier.js";

export type ApiHandler = (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;

export interface GatewayOptions {
  routes: readonly RouteDefinition[];
  /** The Lambda of each area (built once, like a warm container). */
  handlers: Record<ApiArea, ApiHandler>;
  verifyToken: IdTokenVerifier;
  allowedOrigins: readonly string[];
  stage: string;
  region: string;
  /** Served at `GET /openapi.json` (and rendered at `GET /docs`) without a token, when given. */
  openApiDocument?: unknown;
  /** The API functions' timeout (Lambda stops them then); the route table's by default. */
  functionTimeoutMs?: number;
  /** API Gateway's own integration timeout, 29 s. */
  integrationTimeoutMs?: number;
  log?: (line: string) => void;
}

export interface MatchedRoute {
  route: RouteDefinition;
  /** Still percent-encoded, as API Gateway passes them. */
  pathParameters: Record<string, string>;
}

function segmentsOf(path: string): string[] {
  const trimmed = path.length > 1 ? path.replace(/\/+$/, "") : path;
  return trimmed.split("/").slice(1);
}

/**
 * Resources matching a raw (still encoded) path, the way API Gateway picks them: segment by
 * segment, a literal beating a `{parameter}`. `%2F` inside a segment stays in that segment.
 */
export function matchResource(
  routes: readonly RouteDefinition[],
  rawPath: string,
): { resource: string; pathParameters: Record<string, string>; routes: RouteDefinition[] } | undefined {
  const pathSegments = segmentsOf(rawPath);
  let best: { resource: string; pathParameters: Record<string, string>; literals: number } | undefined;
  for (const resource of new Set(routes.map((route) => route.resource))) {
    const resourceSegments = segmentsOf(resource);
    if (resourceSegments.length !== pathSegments.length) continue;
    const pathParameters: Record<string, string> = {};
    let literals = 0;
    const matches = resourceSegments.every((segment, index) => {
      const actual = pathSegments[index] ?? "";
      const parameter = /^\{(.+)\}$/.exec(segment);
      if (parameter) {
        pathParameters[parameter[1]!] = actual;
        return actual.length > 0;
      }
      literals++;
      return segment === actual;
    });
    if (matches && (!best || literals > best.literals)) best = { resource, pathParameters, literals };
  }
  if (!best) return undefined;
  const resource = best.resource;
  return {
    resource,
    pathParameters: best.pathParameters,
    routes: routes.filter((route) => route.resource === resource),
  };
}

export interface RequestInput {
  method: string;
  /** Raw path without the query string, still percent-encoded. */
  rawPath: string;
  rawQuery: string;
  /** Alternating names and values, original casing (Node's `rawHeaders`). */
  rawHeaders: string[];
  body: Buffer;
  sourceIp: string;
}

export interface GatewayReply {
  statusCode: number;
  headers: Record<string, string>;
  multiValueHeaders?: Record<string, string[]>;
  body: string | Buffer;
}

/** API Gateway's limit on waiting for an integration (a REST API's default and maximum). */
const INTEGRATION_TIMEOUT_MS = 29_000;

/**
 * A response API Gateway produces itself (no Lambda involved), in the API's error shape:
 * the deployed stack's gateway responses render `{"error":{"code":<responseType>,"message"}}`.
 */
function gatewayResponse(
  statusCode: number,
  message: string,
  errorType: string,
  responseType: string,
  cors: Record<string, string>,
): GatewayReply {
  return {
    statusCode,
    headers: { "Content-Type": "application/json", "x-amzn-ErrorType": errorType, ...cors },
    body: JSON.stringify({ error: { code: responseType, message } }),
  };
}

/** Node's alternating `rawHeaders` as name/value pairs. */
function* headerPairs(rawHeaders: readonly string[]): Generator<[string, string]> {
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) yield [rawHeaders[i]!, rawHeaders[i + 1]!];
}

function header(input: RequestInput, name: string): string | undefined {
  for (const [candidate, value] of headerPairs(input.rawHeaders)) {
    if (candidate.toLowerCase() === name) return value;
  }
  return undefined;
}

/**
 * What API Gateway would answer: preflight, unknown route (403 "Missing Authentication
 * Token"), failed authorizer (401), the Lambda proxy integration's response, or — when the
 * function runs past its configured timeout — the 502 a timed-out Lambda gets (504 only
 * past the 29 s integration timeout).
 */
export async function handleRequest(
  input: RequestInput,
  options: GatewayOptions,
  host: string,
): Promise<GatewayReply> {
  // The handlers' CORS headers serve the gateway's own answers too: like the deployed
  // preflight, they echo a listed origin and give any other the first listed one. (Deployed
  // gateway errors echo whatever origin asks when several are listed; here a foreign origin
  // is refused on those too, which only hides error bodies it could not use anyway.)
  const cors = corsHeaders(header(input, "origin"), options.allowedOrigins);
  if (options.openApiDocument) {
    const docs = apiDocsReply(input.method, input.rawPath, options.openApiDocument);
    if (docs) return { ...docs, headers: { ...docs.headers, ...cors } };
  }
  const matched = matchResource(options.routes, input.rawPath);
  if (input.method === "OPTIONS" && matched) {
    // The resource's own methods, a subset of the API-wide list the deployed preflight sends.
    const methods = [...new Set(matched.routes.map((route) => route.method)), "OPTIONS"].join(",");
    return {
      statusCode: 204,
      headers: {
        ...cors,
        "Access-Control-Allow-Methods": methods,
        "Access-Control-Max-Age": String(CORS_MAX_AGE_SECONDS),
      },
      body: "",
    };
  }
  const route = matched?.routes.find((candidate) => candidate.method === input.method);
  if (!matched || !route) {
    return gatewayResponse(
      403,
      "Missing Authentication Token",
      "MissingAuthenticationTokenException",
      "MISSING_AUTHENTICATION_TOKEN",
      cors,
    );
  }
  // Like API Gateway, a public route (no authorizer) never looks at a token or its claims.
  let claims: Record<string, string> | null = null;
  if (!isPublicRoute(route)) {
    const verification = await options.verifyToken(header(input, "authorization"));
    if (!verification.ok) {
      const message = verification.reason === "expired" ? "The incoming token has expired" : "Unauthorized";
      return gatewayResponse(401, message, "UnauthorizedException", "UNAUTHORIZED", cors);
    }
    claims = verification.claims;
  }
  const event = buildProxyEvent({
    route,
    path: input.rawPath,
    pathParameters: matched.pathParameters,
    query: new URLSearchParams(input.rawQuery),
    headers: headerPairs(input.rawHeaders),
    body: input.body.length > 0 ? input.body.toString("utf8") : null,
    claims,
    domainName: host,
    sourceIp: input.sourceIp,
    stage: options.stage,
    requestId: randomUUID(),
    requestTime: new Date(),
  });
  const functionTimeoutMs = options.functionTimeoutMs ?? API_FUNCTION_TIMEOUT_SECONDS * 1000;
  const integrationTimeoutMs = options.integrationTimeoutMs ?? INTEGRATION_TIMEOUT_MS;
  const context = createLambdaContext(
    `hearth-${options.stage}-api-${route.area}`,
    functionTimeoutMs,
    options.region,
  );
  let timer: NodeJS.Timeout | undefined;
  try {
    const result = await Promise.race([
      options.handlers[route.area](event, context),
      new Promise<"function timeout" | "integration timeout">((resolve) => {
        timer =
          functionTimeoutMs < integrationTimeoutMs
            ? setTimeout(() => resolve("function timeout"), functionTimeoutMs)
            : setTimeout(() => resolve("integration timeout"), integrationTimeoutMs);
      }),
    ]);
    if (result === "function timeout") {
      // Lambda stops the function and API Gateway gets an error instead of a proxy response.
      options.log?.(
        `[gateway] ${route.method} ${route.resource}: the function timed out after ${functionTimeoutMs / 1000} s`,
      );
      return gatewayResponse(
        502,
        "Internal server error",
        "InternalServerErrorException",
        "DEFAULT_5XX",
        cors,
      );
    }
    if (result === "integration timeout") {
      return gatewayResponse(
        504,
        "Endpoint request timed out",
        "IntegrationTimeout",
        "INTEGRATION_TIMEOUT",
        cors,
      );
    }
    if (!result || typeof result.statusCode !== "number") throw new Error("Malformed Lambda proxy response");
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(result.headers ?? {})) headers[name] = String(value);
    const multiValueHeaders: Record<string, string[]> = {};
    for (const [name, values] of Object.entries(result.multiValueHeaders ?? {})) {
      multiValueHeaders[name] = values.map(String);
    }
    const body = result.isBase64Encoded ? Buffer.from(result.body ?? "", "base64") : (result.body ?? "");
    return { statusCode: result.statusCode, headers, multiValueHeaders, body };
  } catch (error) {
    options.log?.(
      `[gateway] ${route.method} ${route.resource}: handler failed: ${(error as Error).stack ?? error}`,
    );
    return gatewayResponse(502, "Internal server error", "InternalServerErrorException", "DEFAULT_5XX", cors);
  } finally {
    clearTimeout(timer);
  }
}

function readBody(request: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => resolve(Buffer.concat(chunks)));
    request.on("error", reject);
  });
}

function send(response: ServerResponse, reply: GatewayReply): void {
  const headers: Record<string, string | string[]> = { ...reply.headers };
  for (const [name, values] of Object.entries(reply.multiValueHeaders ?? {})) headers[name] = values;
  response.writeHead(reply.statusCode, headers);
  response.end(reply.body);
}

/** The local API Gateway: an HTTP server generated from the route table. */
export function createGateway(options: GatewayOptions): Server {
  return createServer(async (request, response) => {
    const started = Date.now();
    const [rawPath = "/", rawQuery = ""] = (request.url ?? "/").split(/\?(.*)/s);
    try {
      const body = await readBody(request);
      const reply = await handleRequest(
        {
          method: request.method ?? "GET",
          rawPath,
          rawQuery,
          rawHeaders: request.rawHeaders,
          body,
          sourceIp: request.socket.remoteAddress ?? "127.0.0.1",
        },
        options,
        request.headers.host ?? "localhost",
      );
      send(response, reply);
      options.log?.(`[api] ${request.method} ${rawPath} → ${reply.statusCode} (${Date.now() - started} ms)`);
    } catch (error) {
      options.log?.(`[gateway] ${request.method} ${rawPath}: ${(error as Error).stack ?? error}`);
      if (!response.headersSent)
        send(
          response,
          gatewayResponse(500, "Internal server error", "InternalServerErrorException", "DEFAULT_5XX", {}),
        );
    }
  });
}
