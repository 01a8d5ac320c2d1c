import {
  ApiGatewayManagementApiClient,
  DeleteConnectionCommand,
  GetConnectionCommand,
  GoneException,
  PayloadTooLargeException,
  PostToConnectionCommand,
} from "@aws-sdk/client-apigatewaymanagementapi";
import { freePort } from "@hearth/domain/testing";
import type { APIGatewayAuthorizerResult } from "aws-lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PushSocket } from "../e2e/push-socket.js";
import {
  createWebSocketGateway,
  policyAllows,
  selectRoute,
  type WebSocketAuthorizerEvent,
  type WebSocketGateway,
  type WebSocketRouteEvent,
} from "../src/websocket-gateway.js";

/**
 * The local WebSocket API with small stand-in functions: what the gateway hands them, what
 * it does with their answers, and the management API as the real SDK client sees it.
 */
const STAGE = "local";
const authorizerCalls: WebSocketAuthorizerEvent[] = [];
const routeCalls: WebSocketRouteEvent[] = [];

const policy = (effect: "Allow" | "Deny", resource: string): APIGatewayAuthorizerResult => ({
  principalId: "user-1",
  policyDocument: {
    Version: "2012-10-17",
    Statement: [{ Effect: effect, Action: "execute-api:Invoke", Resource: resource }],
  },
  context: { userId: "user-1", groups: "ApprovedUsers" },
});

let gateway: WebSocketGateway;
let url: string;
let management: ApiGatewayManagementApiClient;

beforeAll(async () => {
  gateway = createWebSocketGateway({
    stage: STAGE,
    region: "us-east-1",
    routeKeys: ["subscribe", "ping", "quiet"],
    replyingRoutes: ["$default", "subscribe", "ping"],
    functionTimeoutMs: 5000,
    functionNames: { authorizer: "test-authorizer", routes: "test-routes" },
    tokenParameter: "token",
    authorizer: async (event) => {
      authorizerCalls.push(event);
      const token = event.queryStringParameters.token;
      if (token === "member") return policy("Allow", event.methodArn);
      if (token === "wildcard") return policy("Allow", "arn:aws:execute-api:*:*:*/local/*");
      if (token === "other-route") return policy("Allow", event.methodArn.replace("$connect", "ping"));
      if (token === "bad-context")
        return { ...policy("Allow", event.methodArn), context: { nested: {} } } as never;
      if (token === "expired") throw new Error("Unauthorized");
      if (token === "broken") throw new Error("the verifier is down");
      return policy("Deny", event.methodArn);
    },
    routes: async (event) => {
      routeCalls.push(event);
      const { routeKey } = event.requestContext;
      if (routeKey === "$connect") {
        const refuse = event.queryStringParameters?.refuse;
        return refuse ? { statusCode: refuse === "429" ? 429 : 403 } : { statusCode: 200 };
      }
      if (routeKey === "ping") return { statusCode: 200, body: JSON.stringify({ type: "pong" }) };
      if (routeKey === "subscribe") throw new Error("the table is gone");
      if (routeKey === "quiet") return { statusCode: 200, body: JSON.stringify({ type: "never-sent" }) };
      if (routeKey === "$default") {
        return { statusCode: 400, body: JSON.stringify({ type: "error", code: "UNKNOWN_ACTION" }) };
      }
      return { statusCode: 200 };
    },
  });
  const port = await freePort();
  await new Promise<void>((resolve) => gateway.server.listen(port, "127.0.0.1", resolve));
  url = `ws://127.0.0.1:${port}`;
  management = new ApiGatewayManagementApiClient({
    endpoint: `http://127.0.0.1:${port}/${STAGE}`,
    region: "us-east-1",
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
  });
});

afterAll(async () => {
  management.destroy();
  await gateway.close();
});

/** The connection id the last accepted `$connect` carried. */
function lastConnectionId(): string {
  return routeCalls.filter((call) => call.requestContext.routeKey === "$connect").at(-1)!.requestContext
    .connectionId;
}

/** The route calls seen so far for `routeKey` on `connectionId`, waiting (bounded) for at least one. */
async function routeCall(connectionId: string, routeKey: string, timeoutMs = 5000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const call = routeCalls.find(
      (c) => c.requestContext.connectionId === connectionId && c.requestContext.routeKey === routeKey,
    );
    if (call) return call;
    if (Date.now() > deadline) throw new Error(`No ${routeKey} call for ${connectionId}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe("the handshake", () => {
  it("refuses a connection without a token with 401, before the authorizer runs", async () => {
    const before = authorizerCalls.length;
    expect(await PushSocket.refusal(url, undefined)).toBe(401);
    expect(authorizerCalls.length).toBe(before);
  });

  it("refuses with 403 when the authorizer denies, and never calls $connect", async () => {
    const connects = routeCalls.filter((c) => c.requestContext.routeKey === "$connect").length;
    expect(await PushSocket.refusal(url, "forged")).toBe(403);
    expect(routeCalls.filter((c) => c.requestContext.routeKey === "$connect").length).toBe(connects);
  });

  it("refuses a policy that allows another route only", async () => {
    expect(await PushSocket.refusal(url, "other-route")).toBe(403);
  });

  it("answers 401 when the authorizer throws Unauthorized, 500 for any other failure or a bad context", async () => {
    expect(await PushSocket.refusal(url, "expired")).toBe(401);
    expect(await PushSocket.refusal(url, "broken")).toBe(500);
    expect(await PushSocket.refusal(url, "bad-context")).toBe(500);
  });

  it("refuses when $connect answers non-2xx", async () => {
    expect(await PushSocket.refusal(`${url}/?refuse=1`, "member")).toBe(403);
    // A member with as many connections open as they may: $connect's own status reaches the client.
    expect(await PushSocket.refusal(`${url}/?refuse=429`, "member")).toBe(429);
  });

  it("gives the authorizer and $connect API Gateway's events, and the authorizer's context to every route", async () => {
    const socket = await PushSocket.open(url, "wildcard");
    const connectionId = lastConnectionId();
    expect(connectionId).toMatch(/^[A-Za-z0-9]{15}=$/);
    const authorization = authorizerCalls.at(-1)!;
    expect(authorization).toMatchObject({
      type: "REQUEST",
      methodArn: `arn:aws:execute-api:us-east-1:000000000000:local/${STAGE}/$connect`,
      queryStringParameters: { token: "wildcard" },
      requestContext: { routeKey: "$connect", eventType: "CONNECT", stage: STAGE, connectionId },
    });
    const connect = await routeCall(connectionId, "$connect");
    expect(connect.requestContext.authorizer).toMatchObject({
      principalId: "user-1",
      userId: "user-1",
      groups: "ApprovedUsers",
    });
    expect(connect.requestContext.domainName).toBe(new URL(url).host);
    const pong = await socket.request({ action: "ping" }, "pong", (frame) => frame.type === "pong");
    expect(pong.type).toBe("pong");
    const ping = await routeCall(connectionId, "ping");
    expect(ping).toMatchObject({
      body: JSON.stringify({ action: "ping" }),
      isBase64Encoded: false,
      requestContext: { eventType: "MESSAGE", authorizer: { userId: "user-1" } },
    });
    await socket.close();
    const disconnect = await routeCall(connectionId, "$disconnect");
    expect(disconnect.requestContext).toMatchObject({
      eventType: "DISCONNECT",
      disconnectStatusCode: 1000,
      authorizer: { userId: "user-1" },
    });
    expect(gateway.connections.has(connectionId)).toBe(false);
  });
});

describe("messages", () => {
  it("routes on the action, sends unknown actions and non-JSON to $default, and stays open on a failing route", async () => {
    const socket = await PushSocket.open(url, "member");
    socket.send({ action: "quiet" });
    const unknown = await socket.request({ action: "dance" }, "an error", (f) => f.type === "error");
    expect(unknown.code).toBe("UNKNOWN_ACTION");
    const notJson = await socket.request("hello there", "an error", (f) => f.type === "error");
    expect(notJson.code).toBe("UNKNOWN_ACTION");
    const failed = await socket.request({ action: "subscribe" }, "the gateway's error", (f) =>
      String(f.message).startsWith("Internal server error"),
    );
    expect(failed).toMatchObject({ message: "Internal server error", connectionId: lastConnectionId() });
    expect((await socket.request({ action: "ping" }, "pong", (f) => f.type === "pong")).type).toBe("pong");
    expect(socket.isOpen).toBe(true);
    // A one-way route's answer stays on the server, as without a route response.
    expect(socket.frames.map((frame) => (frame.data as { type?: string }).type)).not.toContain("never-sent");
    await socket.close();
  });

  it("selects routes the way API Gateway's $request.body.action does", () => {
    expect(selectRoute('{"action":"ping"}', ["ping"])).toBe("ping");
    expect(selectRoute('{"action":"pong"}', ["ping"])).toBe("$default");
    expect(selectRoute('{"action":1}', ["ping"])).toBe("$default");
    expect(selectRoute('["ping"]', ["ping"])).toBe("$default");
    expect(selectRoute("ping", ["ping"])).toBe("$default");
  });
});

describe("the management API, through the SDK client", () => {
  it("posts data to a connection as a text frame", async () => {
    const socket = await PushSocket.open(url, "member");
    const connectionId = lastConnectionId();
    await management.send(
      new PostToConnectionCommand({
        ConnectionId: connectionId,
        Data: Buffer.from(JSON.stringify({ type: "message.created", n: 1 })),
      }),
    );
    const frame = await socket.next("the push", (f) => f.type === "message.created");
    expect(frame.n).toBe(1);
    await socket.close();
  });

  it("describes a connection", async () => {
    const socket = await PushSocket.open(url, "member");
    const connection = await management.send(new GetConnectionCommand({ ConnectionId: lastConnectionId() }));
    expect(connection.ConnectedAt).toBeInstanceOf(Date);
    expect(connection.LastActiveAt).toBeInstanceOf(Date);
    expect(connection.Identity).toEqual({ SourceIp: "127.0.0.1", UserAgent: expect.any(String) });
    await socket.close();
  });

  it("closes a connection on DELETE, which runs $disconnect", async () => {
    const socket = await PushSocket.open(url, "member");
    const connectionId = lastConnectionId();
    await management.send(new DeleteConnectionCommand({ ConnectionId: connectionId }));
    expect((await socket.closedWithin()).code).toBe(1000);
    expect((await routeCall(connectionId, "$disconnect")).requestContext.eventType).toBe("DISCONNECT");
  });

  it("answers GoneException for a connection that left, on every call", async () => {
    const socket = await PushSocket.open(url, "member");
    const connectionId = lastConnectionId();
    await socket.close();
    await routeCall(connectionId, "$disconnect");
    const data = Buffer.from("{}");
    await expect(
      management.send(new PostToConnectionCommand({ ConnectionId: connectionId, Data: data })),
    ).rejects.toBeInstanceOf(GoneException);
    await expect(
      management.send(new GetConnectionCommand({ ConnectionId: connectionId })),
    ).rejects.toBeInstanceOf(GoneException);
    await expect(
      management.send(new DeleteConnectionCommand({ ConnectionId: "neverWasHere12=" })),
    ).rejects.toBeInstanceOf(GoneException);
  });

  it("refuses a post over 128 KB with PayloadTooLargeException, and an unsigned call", async () => {
    const socket = await PushSocket.open(url, "member");
    const connectionId = lastConnectionId();
    await expect(
      management.send(
        new PostToConnectionCommand({ ConnectionId: connectionId, Data: Buffer.alloc(128 * 1024 + 1, 97) }),
      ),
    ).rejects.toBeInstanceOf(PayloadTooLargeException);
    const unsigned = await fetch(
      `${url.replace("ws:", "http:")}/${STAGE}/@connections/${encodeURIComponent(connectionId)}`,
      {
        method: "POST",
        body: "{}",
      },
    );
    expect(unsigned.status).toBe(403);
    expect(unsigned.headers.get("x-amzn-errortype")).toBe("ForbiddenException");
    expect(socket.frames).toEqual([]);
    await socket.close();
  });
});

describe("policies", () => {
  const arn = "arn:aws:execute-api:us-east-1:000000000000:local/local/$connect";
  it("needs an Allow covering the ARN and no Deny", () => {
    expect(policyAllows(policy("Allow", arn), arn)).toBe(true);
    expect(policyAllows(policy("Allow", "arn:aws:execute-api:us-east-1:*:*"), arn)).toBe(true);
    expect(policyAllows(policy("Deny", arn), arn)).toBe(false);
    const both = policy("Allow", "*");
    both.policyDocument.Statement.push({ Effect: "Deny", Action: "execute-api:*", Resource: arn });
    expect(policyAllows(both, arn)).toBe(false);
    expect(
      policyAllows({ principalId: "x", policyDocument: { Version: "2012-10-17", Statement: [] } }, arn),
    ).toBe(false);
  });
});
