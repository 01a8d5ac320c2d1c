import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { ApiArea, RouteDefinition } from "@hearth/api-handlers";
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from "aws-lambda";
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
  /** API Gateway's integration timeout. */
  timeoutMs?: number;
  log?: (line: string) => void;
}

/** CDK's `Cors.DEFAULT_HEADERS`, which the deployed API's preflight allows. */
const PREFLIGHT_ALLOWED_HEADERS = "Content-Type,X-Amz-Date,Authorization,X-Api-Key,X-Amz-Security-Token";

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

/** A REST API (v1) proxy event exactly as API Gateway builds it for a Cognito-authorized route. */
export function buildProxyEvent(
  input: RequestInput,
  route: RouteDefinition,
  pathParameters: Record<string, string>,
  claims: Record<string, string>,
  options: { stage: string; host: string },
): APIGatewayProxyEvent {
  const headers: Record<string, string> = {};
  const multiValueHeaders: Record<string, string[]> = {};
  for (let i = 0; i + 1 < input.rawHeaders.length; i += 2) {
    const name = input.rawHeaders[i]!;
    const value = input.rawHeaders[i + 1]!;
    headers[name] = value;
    multiValueHeaders[name] = [...(multiValueHeaders[name] ?? []), value];
  }
  const query = new URLSearchParams(input.rawQuery);
  const queryStringParameters: Record<string, string> = {};
  const multiValueQueryStringParameters: Record<string, string[]> = {};
  for (const [name, value] of query) {
    queryStringParameters[name] = value;
    multiValueQueryStringParameters[name] = [...(multiValueQueryStringParameters[name] ?? []), value];
  }
  const hasQuery = Object.keys(queryStringParameters).length > 0;
  const hasPathParameters = Object.keys(pathParameters).length > 0;
  const now = new Date();
  const requestId = randomUUID();
  const userAgent =
    Object.entries(headers).find(([name]) => name.toLowerCase() === "user-agent")?.[1] ?? null;
  return {
    resource: route.resource,
    path: input.rawPath,
    httpMethod: route.method,
    headers,
    multiValueHeaders,
    queryStringParameters: hasQuery ? queryStringParameters : null,
    multiValueQueryStringParameters: hasQuery ? multiValueQueryStringParameters : null,
    pathParameters: hasPathParameters ? pathParameters : null,
    stageVariables: null,
    requestContext: {
      accountId: "000000000000",
      apiId: "local",
      authorizer: { claims },
      domainName: options.host,
      domainPrefix: options.host.split(".")[0] ?? options.host,
      extendedRequestId: requestId,
      httpMethod: route.method,
      identity: {
        accessKey: null,
        accountId: null,
        apiKey: null,
        apiKeyId: null,
        caller: null,
        clientCert: null,
        cognitoAuthenticationProvider: null,
        cognitoAuthenticationType: null,
        cognitoIdentityId: null,
        cognitoIdentityPoolId: null,
        principalOrgId: null,
        sourceIp: input.sourceIp,
        user: null,
        userAgent,
        userArn: null,
      },
      path: `/${options.stage}${input.rawPath}`,
      protocol: "HTTP/1.1",
      requestId,
      requestTime: now.toUTCString(),
      requestTimeEpoch: now.getTime(),
      resourceId: "local",
      resourcePath: route.resource,
      stage: options.stage,
    },
    body: input.body.length > 0 ? input.body.toString("utf8") : null,
    isBase64Encoded: false,
  };
}

export interface GatewayReply {
  statusCode: number;
  headers: Record<string, string>;
  multiValueHeaders?: Record<string, string[]>;
  body: string | Buffer;
}

function corsHeaders(origin: string | undefined, allowedOrigins: readonly string[]): Record<string, string> {
  if (!origin || !(allowedOrigins.includes(origin) || allowedOrigins.includes("*"))) return {};
  return { "Access-Control-Allow-Origin": origin, Vary: "Origin" };
}

/** A response API Gateway produces itself (no Lambda involved). */
function gatewayResponse(
  statusCode: number,
  message: string,
  errorType: string,
  cors: Record<string, string>,
): GatewayReply {
  return {
    statusCode,
    headers: { "Content-Type": "application/json", "x-amzn-ErrorType": errorType, ...cors },
    body: JSON.stringify({ message }),
  };
}

function header(input: RequestInput, name: string): string | undefined {
  for (let i = 0; i + 1 < input.rawHeaders.length; i += 2) {
    if (input.rawHeaders[i]!.toLowerCase() === name) return input.rawHeaders[i + 1];
  }
  return undefined;
}

/**
 * What API Gateway would answer: preflight, unknown route (403 "Missing Authentication
 * Token"), failed authorizer (401), or the Lambda proxy integration's response.
 */
export async function handleRequest(
  input: RequestInput,
  options: GatewayOptions,
  host: string,
): Promise<GatewayReply> {
  const cors = corsHeaders(header(input, "origin"), options.allowedOrigins);
  const matched = matchResource(options.routes, input.rawPath);
  if (input.method === "OPTIONS" && matched) {
    const methods = [...new Set(matched.routes.map((route) => route.method)), "OPTIONS"].join(",");
    return {
      statusCode: 204,
      headers: {
        ...cors,
        "Access-Control-Allow-Methods": methods,
        "Access-Control-Allow-Headers": PREFLIGHT_ALLOWED_HEADERS,
        "Access-Control-Max-Age": "600",
      },
      body: "",
    };
  }
  const route = matched?.routes.find((candidate) => candidate.method === input.method);
  if (!matched || !route) {
    return gatewayResponse(403, "Missing Authentication Token", "MissingAuthenticationTokenException", cors);
  }
  const verification = await options.verifyToken(header(input, "authorization"));
  if (!verification.ok) {
    const message = verification.reason === "expired" ? "The incoming token has expired" : "Unauthorized";
    return gatewayResponse(401, message, "UnauthorizedException", cors);
  }
  const event = buildProxyEvent(input, route, matched.pathParameters, verification.claims, {
    stage: options.stage,
    host,
  });
  const timeoutMs = options.timeoutMs ?? 29_000;
  const context = createLambdaContext(`hearth-${options.stage}-api-${route.area}`, timeoutMs, options.region);
  let timer: NodeJS.Timeout | undefined;
  try {
    const result = await Promise.race([
      options.handlers[route.area](event, context),
      new Promise<"timeout">((resolve) => {
        timer = setTimeout(() => resolve("timeout"), timeoutMs);
      }),
    ]);
    if (result === "timeout") {
      return gatewayResponse(504, "Endpoint request timed out", "IntegrationTimeout", cors);
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
    return gatewayResponse(502, "Internal server error", "InternalServerErrorException", cors);
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
        send(response, gatewayResponse(500, "Internal server error", "InternalServerErrorException", {}));
    }
  });
}
