import { randomBytes, randomInt, randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import type { APIGatewayAuthorizerResult, Context } from "aws-lambda";
import { type RawData, type WebSocket, WebSocketServer } from "ws";
import { createLambdaContext } from "./lambda-context.js";

/**
 * The local API Gateway WebSocket API: clients connect with `?token=`, the REQUEST authorizer
 * and the route function run in-process with the events API Gateway would give them, and the
 * same port answers the management API (`/{stage}/@connections/{id}`) the fanout processor
 * posts to with `@aws-sdk/client-apigatewaymanagementapi`.
 */

/** What a WebSocket API's REQUEST authorizer receives on `$connect`. */
export interface WebSocketAuthorizerEvent {
  type: "REQUEST";
  methodArn: string;
  headers: Record<string, string>;
  multiValueHeaders: Record<string, string[]>;
  queryStringParameters: Record<string, string>;
  multiValueQueryStringParameters: Record<string, string[]>;
  stageVariables: Record<string, string>;
  requestContext: WebSocketRequestContext;
}

interface WebSocketRequestContext {
  routeKey: string;
  eventType: "CONNECT" | "MESSAGE" | "DISCONNECT";
  messageId?: string;
  extendedRequestId: string;
  requestTime: string;
  messageDirection: "IN";
  stage: string;
  connectedAt: number;
  requestTimeEpoch: number;
  identity: { sourceIp: string; userAgent?: string };
  requestId: string;
  domainName: string;
  connectionId: string;
  apiId: string;
  /** The authorizer's context and principalId, on every route of the connection. */
  authorizer?: Record<string, string | number | boolean | null>;
  disconnectStatusCode?: number;
  disconnectReason?: string;
}

/** What the route function receives (APIGatewayProxyWebsocketEventV2, with what API Gateway adds). */
export interface WebSocketRouteEvent {
  requestContext: WebSocketRequestContext;
  headers?: Record<string, string>;
  multiValueHeaders?: Record<string, string[]>;
  queryStringParameters?: Record<string, string>;
  multiValueQueryStringParameters?: Record<string, string[]>;
  body?: string;
  isBase64Encoded: boolean;
}

interface WebSocketRouteResult {
  statusCode?: number;
  body?: string;
}

export type WebSocketAuthorizer = (
  event: WebSocketAuthorizerEvent,
  context: Context,
) => Promise<APIGatewayAuthorizerResult>;
export type WebSocketRouteHandler = (
  event: WebSocketRouteEvent,
  context: Context,
) => Promise<WebSocketRouteResult | undefined>;

export interface WebSocketGatewayOptions {
  authorizer: WebSocketAuthorizer;
  /** The one function behind `$connect`, `$disconnect`, `$default` and the custom routes. */
  routes: WebSocketRouteHandler;
  /** The custom route keys (`$request.body.action` values); anything else goes to `$default`. */
  routeKeys: readonly string[];
  /** The two-way routes: their function's `body` goes back to the client. */
  replyingRoutes: readonly string[];
  stage: string;
  region: string;
  /** The functions' timeout; a longer run counts as a failed invocation. */
  functionTimeoutMs: number;
  functionNames: { authorizer: string; routes: string };
  /**
   * The authorizer's identity source, `route.request.querystring.<tokenParameter>`: a handshake
   * without it is refused with 401 before the authorizer runs, as API Gateway does.
   */
  tokenParameter: string;
  log?: (line: string) => void;
}

/** API Gateway's limits: 128 KB per message, 10 minutes idle, 2 hours per connection. */
const WEBSOCKET_LIMITS = {
  maxMessageBytes: 128 * 1024,
  idleTimeoutMs: 10 * 60_000,
  maxConnectionMs: 2 * 60 * 60_000,
} as const;

const API_ID = "local";

interface Connection {
  socket: WebSocket;
  connectedAt: number;
  lastActiveAt: number;
  sourceIp: string;
  userAgent: string | undefined;
  authorizer: Record<string, string | number | boolean | null>;
  domainName: string;
}

export interface WebSocketGateway {
  server: Server;
  /** Open connections by id (tests look, nothing else should). */
  readonly connections: ReadonlyMap<string, Connection>;
  close(): Promise<void>;
}

/** Where the management API answers: the stage under the WebSocket API's host, as deployed. */
export function managementEndpoint(host: string, port: number, stage: string): string {
  return `http://${host}:${port}/${stage}`;
}

const ALPHANUMERIC = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/** Shaped like API Gateway's ids ("L0SM9cOFvHcCIhw="): the `=` must survive the management API's paths. */
function newConnectionId(): string {
  let id = "";
  for (let i = 0; i < 15; i++) id += ALPHANUMERIC[randomInt(ALPHANUMERIC.length)];
  return `${id}=`;
}

/** API Gateway's `requestTime`: "02/Dec/2026:06:01:26 +0000". */
function requestTime(date: Date): string {
  const months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${pad(date.getUTCDate())}/${months[date.getUTCMonth()]}/${date.getUTCFullYear()}:${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} +0000`;
}

/** IAM-style wildcard match (`*` any run, `?` one character) of a policy resource. */
function resourceMatches(pattern: string, arn: string): boolean {
  const regex = pattern
    .replace(/[.+^${}()|[\]\\]/g, "\\$&")
    .replace(/\*/g, ".*")
    .replace(/\?/g, ".");
  return new RegExp(`^${regex}$`).test(arn);
}

const asList = (value: string | string[] | undefined): string[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];

/** Whether the policy lets `execute-api:Invoke` on `methodArn`: an Allow and no Deny (IAM's rule). */
export function policyAllows(result: APIGatewayAuthorizerResult, methodArn: string): boolean {
  let allowed = false;
  for (const statement of result.policyDocument?.Statement ?? []) {
    const actions = "Action" in statement ? asList(statement.Action) : [];
    const resources = "Resource" in statement ? asList(statement.Resource as string | string[]) : [];
    const covers =
      actions.some((action) => action === "*" || resourceMatches(action, "execute-api:Invoke")) &&
      resources.some((resource) => resourceMatches(resource, methodArn));
    if (!covers) continue;
    if (statement.Effect === "Deny") return false;
    if (statement.Effect === "Allow") allowed = true;
  }
  return allowed;
}

/** API Gateway passes only flat string, number and boolean context values; anything else fails the call. */
function authorizerContext(result: APIGatewayAuthorizerResult): Record<string, string | number | boolean> {
  const context: Record<string, string | number | boolean> = {};
  for (const [key, value] of Object.entries(result.context ?? {})) {
    if (!["string", "number", "boolean"].includes(typeof value)) {
      throw new Error(`The authorizer's context value "${key}" is not a string, number or boolean`);
    }
    context[key] = value as string | number | boolean;
  }
  return context;
}

function headersOf(request: IncomingMessage) {
  const headers: Record<string, string> = {};
  const multiValueHeaders: Record<string, string[]> = {};
  for (let i = 0; i + 1 < request.rawHeaders.length; i += 2) {
    const name = request.rawHeaders[i]!;
    const value = request.rawHeaders[i + 1]!;
    headers[name] = value;
    multiValueHeaders[name] = [...(multiValueHeaders[name] ?? []), value];
  }
  return { headers, multiValueHeaders };
}

function queryOf(search: URLSearchParams) {
  const queryStringParameters: Record<string, string> = {};
  const multiValueQueryStringParameters: Record<string, string[]> = {};
  for (const [name, value] of search) {
    queryStringParameters[name] = value;
    multiValueQueryStringParameters[name] = [...(multiValueQueryStringParameters[name] ?? []), value];
  }
  return { queryStringParameters, multiValueQueryStringParameters };
}

/** Ends a handshake with a plain HTTP answer, the way API Gateway refuses an upgrade. */
function refuseUpgrade(socket: Duplex, statusCode: number, message: string): void {
  const reason =
    {
      401: "Unauthorized",
      403: "Forbidden",
      429: "Too Many Requests",
      500: "Internal Server Error",
      503: "Service Unavailable",
    }[statusCode] ?? "Error";
  const body = JSON.stringify({ message });
  socket.end(
    `HTTP/1.1 ${statusCode} ${reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

/** `$request.body.action` when it names a custom route, else `$default` (also for non-JSON). */
export function selectRoute(body: string, routeKeys: readonly string[]): string {
  try {
    const parsed: unknown = JSON.parse(body);
    if (typeof parsed === "object" && parsed !== null && !Array.isArray(parsed)) {
      const action = (parsed as Record<string, unknown>).action;
      if (typeof action === "string" && routeKeys.includes(action)) return action;
    }
  } catch {
    // Not JSON: API Gateway falls back to $default.
  }
  return "$default";
}

export function createWebSocketGateway(options: WebSocketGatewayOptions): WebSocketGateway {
  const log = options.log ?? (() => {});
  const connections = new Map<string, Connection>();
  const sockets = new WebSocketServer({ noServer: true, maxPayload: WEBSOCKET_LIMITS.maxMessageBytes });
  /** Invocations still running, so stopping waits for the $disconnects it causes. */
  const inFlight = new Set<Promise<void>>();
  let closing = false;
  const track = (work: Promise<void>) => {
    inFlight.add(work);
    void work.finally(() => inFlight.delete(work));
  };
  const methodArn = (routeKey: string) =>
    `arn:aws:execute-api:${options.region}:000000000000:${API_ID}/${options.stage}/${routeKey}`;

  const context = (connectionId: string, connection: Omit<Connection, "socket">, routeKey: string) => {
    const now = new Date();
    const eventType: WebSocketRequestContext["eventType"] =
      routeKey === "$connect" ? "CONNECT" : routeKey === "$disconnect" ? "DISCONNECT" : "MESSAGE";
    return {
      routeKey,
      eventType,
      ...(eventType === "MESSAGE" ? { messageId: randomBytes(12).toString("base64") } : {}),
      extendedRequestId: randomBytes(12).toString("base64"),
      requestTime: requestTime(now),
      messageDirection: "IN" as const,
      stage: options.stage,
      connectedAt: connection.connectedAt,
      requestTimeEpoch: now.getTime(),
      identity: {
        sourceIp: connection.sourceIp,
        ...(connection.userAgent ? { userAgent: connection.userAgent } : {}),
      },
      requestId: randomUUID(),
      domainName: connection.domainName,
      connectionId,
      apiId: API_ID,
    } satisfies WebSocketRequestContext;
  };

  /** One invocation, bounded by the function's timeout like Lambda's. */
  async function invoke<T>(name: string, call: (context: Context) => Promise<T>): Promise<T> {
    const lambdaContext = createLambdaContext(name, options.functionTimeoutMs, options.region);
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        call(lambdaContext),
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`${name} timed out after ${options.functionTimeoutMs} ms`)),
            options.functionTimeoutMs,
          );
        }),
      ]);
    } finally {
      clearTimeout(timer);
    }
  }

  const invokeRoute = (event: WebSocketRouteEvent) =>
    invoke(options.functionNames.routes, (lambdaContext) => options.routes(event, lambdaContext));

  async function handshake(request: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const url = new URL(request.url ?? "/", "http://localhost");
    if (url.pathname !== "/") return refuseUpgrade(socket, 403, "Forbidden");
    const connectionId = newConnectionId();
    const { headers, multiValueHeaders } = headersOf(request);
    const query = queryOf(url.searchParams);
    const connection: Omit<Connection, "socket"> = {
      connectedAt: Date.now(),
      lastActiveAt: Date.now(),
      sourceIp: request.socket.remoteAddress ?? "127.0.0.1",
      userAgent: request.headers["user-agent"],
      authorizer: {},
      domainName: request.headers.host ?? "localhost",
    };
    if (!query.queryStringParameters[options.tokenParameter]) {
      return refuseUpgrade(socket, 401, "Unauthorized");
    }
    const requestContext = context(connectionId, connection, "$connect");
    let authorizer: Record<string, string | number | boolean>;
    try {
      const result = await invoke(options.functionNames.authorizer, (lambdaContext) =>
        options.authorizer(
          {
            type: "REQUEST",
            methodArn: methodArn("$connect"),
            headers,
            multiValueHeaders,
            ...query,
            stageVariables: {},
            requestContext,
          },
          lambdaContext,
        ),
      );
      if (!policyAllows(result, methodArn("$connect"))) {
        log(`[websocket] $connect refused by the authorizer (403)`);
        return refuseUpgrade(socket, 403, "Forbidden");
      }
      authorizer = { ...authorizerContext(result), principalId: result.principalId };
    } catch (error) {
      // An authorizer that throws "Unauthorized" is API Gateway's 401; any other failure a 500.
      const unauthorized = (error as Error).message === "Unauthorized";
      if (!unauthorized) log(`[websocket] the authorizer failed: ${(error as Error).message}`);
      return refuseUpgrade(
        socket,
        unauthorized ? 401 : 500,
        unauthorized ? "Unauthorized" : "Internal server error",
      );
    }
    connection.authorizer = { ...authorizer, integrationLatency: Date.now() - connection.connectedAt };
    try {
      const result = await invokeRoute({
        requestContext: { ...requestContext, authorizer: connection.authorizer },
        headers,
        multiValueHeaders,
        ...query,
        isBase64Encoded: false,
      });
      const status = result?.statusCode ?? 200;
      if (status < 200 || status > 299) {
        log(`[websocket] $connect answered ${status}: the connection is refused`);
        // Its status is the client's (429: the member has as many connections open as they may).
        const refusal = status >= 400 && status < 600 ? status : 500;
        return refuseUpgrade(socket, refusal, refusal === 429 ? "Too Many Requests" : "Forbidden");
      }
    } catch (error) {
      log(`[websocket] $connect failed: ${(error as Error).message}`);
      return refuseUpgrade(socket, 500, "Internal server error");
    }
    if (closing) return refuseUpgrade(socket, 503, "Service Unavailable");
    if (socket.destroyed) {
      // The client left during the handshake: API Gateway still tells $disconnect.
      track(disconnect(connectionId, connection, 1006, "Client left during the handshake"));
      return;
    }
    sockets.handleUpgrade(request, socket, head, (ws) => accept(connectionId, { ...connection, socket: ws }));
  }

  function accept(connectionId: string, connection: Connection): void {
    connections.set(connectionId, connection);
    const { socket } = connection;
    // API Gateway's own limits, so a client that works here keeps working deployed.
    const maxDuration = setTimeout(
      () => socket.close(1001, "Going away"),
      WEBSOCKET_LIMITS.maxConnectionMs,
    ).unref();
    let idle = setTimeout(() => socket.close(1001, "Going away"), WEBSOCKET_LIMITS.idleTimeoutMs).unref();
    const touch = () => {
      connection.lastActiveAt = Date.now();
      clearTimeout(idle);
      idle = setTimeout(() => socket.close(1001, "Going away"), WEBSOCKET_LIMITS.idleTimeoutMs).unref();
    };
    socket.on("message", (data: RawData, isBinary: boolean) => {
      touch();
      track(message(connectionId, connection, data, isBinary));
    });
    socket.on("close", (code: number, reason: Buffer) => {
      clearTimeout(maxDuration);
      clearTimeout(idle);
      connections.delete(connectionId);
      track(disconnect(connectionId, connection, code, reason.toString()));
    });
    socket.on("error", (error) => log(`[websocket] ${connectionId}: ${error.message}`));
  }

  async function message(connectionId: string, connection: Connection, data: RawData, isBinary: boolean) {
    const buffer = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
    const body = isBinary ? buffer.toString("base64") : buffer.toString("utf8");
    const routeKey = isBinary ? "$default" : selectRoute(body, options.routeKeys);
    const requestContext = {
      ...context(connectionId, connection, routeKey),
      authorizer: connection.authorizer,
    };
    let reply: string | undefined;
    try {
      const result = await invokeRoute({ requestContext, body, isBase64Encoded: isBinary });
      reply = result?.body;
    } catch (error) {
      log(`[websocket] ${routeKey} failed: ${(error as Error).message}`);
      // What API Gateway sends back when the integration fails.
      reply = JSON.stringify({
        message: "Internal server error",
        connectionId,
        requestId: requestContext.requestId,
      });
    }
    const replies = options.replyingRoutes.includes(routeKey);
    if (replies && reply !== undefined && connection.socket.readyState === connection.socket.OPEN) {
      connection.socket.send(reply);
    }
  }

  async function disconnect(
    connectionId: string,
    connection: Omit<Connection, "socket">,
    code: number,
    reason: string,
  ) {
    try {
      await invokeRoute({
        requestContext: {
          ...context(connectionId, connection, "$disconnect"),
          authorizer: connection.authorizer,
          disconnectStatusCode: code,
          disconnectReason: reason,
        },
        headers: { Host: connection.domainName },
        multiValueHeaders: { Host: [connection.domainName] },
        isBase64Encoded: false,
      });
    } catch (error) {
      log(`[websocket] $disconnect failed: ${(error as Error).message}`);
    }
  }

  const server = createServer((request, response) => {
    void management(request, response).catch((error) => {
      log(`[websocket] management API: ${(error as Error).stack ?? error}`);
      if (!response.headersSent)
        answer(response, 500, "InternalServerErrorException", "Internal server error");
    });
  });
  server.on("upgrade", (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on("error", () => {});
    track(
      handshake(request, socket, head).catch((error) => {
        log(`[websocket] handshake: ${(error as Error).stack ?? error}`);
        if (!socket.destroyed) refuseUpgrade(socket, 500, "Internal server error");
      }),
    );
  });

  /** The management API, at `/{stage}/@connections/{connectionId}` like the deployed callback URL. */
  async function management(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const body = await readBody(request);
    const path = new URL(request.url ?? "/", "http://localhost").pathname;
    const match = new RegExp(`^/${options.stage}/@connections/([^/]+)$`).exec(path);
    if (!match) return answer(response, 404, "NotFoundException", "Not Found");
    // The SDK always signs; an unsigned call is refused the way IAM auth refuses it.
    if (!request.headers.authorization) {
      return answer(response, 403, "ForbiddenException", "Missing Authentication Token");
    }
    const connectionId = decodeURIComponent(match[1]!);
    const connection = connections.get(connectionId);
    const open = connection && connection.socket.readyState === connection.socket.OPEN;
    if (!connection || !open) return answer(response, 410, "GoneException", null);
    switch (request.method) {
      case "POST": {
        if (body.length > WEBSOCKET_LIMITS.maxMessageBytes) {
          return answer(response, 413, "PayloadTooLargeException", "Message too long");
        }
        connection.socket.send(body.toString("utf8"));
        connection.lastActiveAt = Date.now();
        response.writeHead(200, { "Content-Type": "application/json", "Content-Length": "0" });
        return void response.end();
      }
      case "DELETE": {
        connection.socket.close(1000, "Connection closed by the server");
        response.writeHead(204);
        return void response.end();
      }
      case "GET": {
        const json = JSON.stringify({
          connectedAt: new Date(connection.connectedAt).toISOString(),
          identity: { sourceIp: connection.sourceIp, userAgent: connection.userAgent ?? "" },
          lastActiveAt: new Date(connection.lastActiveAt).toISOString(),
        });
        response.writeHead(200, { "Content-Type": "application/json" });
        return void response.end(json);
      }
      default:
        return answer(response, 404, "NotFoundException", "Not Found");
    }
  }

  return {
    server,
    connections,
    async close() {
      closing = true;
      // Each close runs $disconnect (tracked in `inFlight`) before its promise here resolves.
      await Promise.all(
        [...connections.values()].map(
          ({ socket }) =>
            new Promise<void>((resolve) => {
              socket.once("close", () => resolve());
              socket.terminate();
            }),
        ),
      );
      sockets.close();
      await Promise.allSettled([...inFlight]);
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

/** An error the SDK maps to its typed exception by the `x-amzn-ErrorType` header. */
function answer(response: ServerResponse, status: number, errorType: string, message: string | null): void {
  const body = JSON.stringify({ message });
  response.writeHead(status, {
    "Content-Type": "application/json",
    "x-amzn-ErrorType": errorType,
    "Content-Length": String(Buffer.byteLength(body)),
  });
  response.end(body);
}

function readBody(request: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => resolve(Buffer.concat(chunks)));
    request.on("error", reject);
  });
}
