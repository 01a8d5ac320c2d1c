import { generateKeyPairSync, type KeyObject, randomUUID, sign } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Logger } from "@aws-lambda-powertools/logger";
import {
  ADMIN_GROUP,
  deleteTables,
  MAX_CONNECTIONS_PER_MEMBER,
  MAX_SUBSCRIPTIONS_PER_CONNECTION,
  MEMBER_GROUP,
  RevocationList,
  tableEnvironment,
} from "@hearth/domain";
import { createTestDatabase, type TestDatabase } from "@hearth/domain/testing";
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from "vitest";
import { buildRealtimeAuthorizer } from "../src/realtime/authorizer.build.js";
import type { RealtimeAuthorizerEvent } from "../src/realtime/authorizer.js";
import { buildRealtimeRoutes } from "../src/realtime/routes.build.js";
import type { RealtimeRouteEvent } from "../src/realtime/routes.js";
import { idTokenVerifierOptionsFromEnv } from "../src/realtime/token-verifier.js";

const logger = new Logger({ serviceName: "realtime-test", logLevel: "SILENT" });
const CLIENT_ID = "hearth-web-client";
const METHOD_ARN = "arn:aws:execute-api:eu-west-1:123456789012:abc123/dev/$connect";

/** A user pool of our own: its key signs the tokens, its JWKS is served over loopback. */
interface TestPool {
  issuer: string;
  server: Server;
  key: KeyObject;
  kid: string;
}

async function startPool(): Promise<TestPool> {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const kid = randomUUID();
  const jwk = { ...publicKey.export({ format: "jwk" }), kid, alg: "RS256", use: "sig" };
  const server = createServer((request, response) => {
    if (request.url?.endsWith("/.well-known/jwks.json")) {
      response.writeHead(200, { "content-type": "application/json" });
      response.end(JSON.stringify({ keys: [jwk] }));
      return;
    }
    response.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { issuer: `http://127.0.0.1:${port}/eu-west-1_TestPool`, server, key: privateKey, kid };
}

const base64url = (value: object | Buffer) =>
  (Buffer.isBuffer(value) ? value : Buffer.from(JSON.stringify(value))).toString("base64url");

function tokenFor(
  pool: TestPool,
  claims: Record<string, unknown>,
  options: { key?: KeyObject; expiresInSeconds?: number } = {},
): string {
  const now = Math.floor(Date.now() / 1000);
  const header = base64url({ alg: "RS256", kid: pool.kid, typ: "JWT" });
  const payload = base64url({
    iss: pool.issuer,
    aud: CLIENT_ID,
    token_use: "id",
    iat: now,
    exp: now + (options.expiresInSeconds ?? 3600),
    ...claims,
  });
  const signature = sign("RSA-SHA256", Buffer.from(`${header}.${payload}`), options.key ?? pool.key);
  return `${header}.${payload}.${base64url(signature)}`;
}

const connectEvent = (token?: string): RealtimeAuthorizerEvent => ({
  methodArn: METHOD_ARN,
  queryStringParameters: token === undefined ? {} : { token },
  requestContext: { connectionId: "conn-1", routeKey: "$connect" },
});

/** Who is on the revocation list, and since when: a minute ago. */
const REVOKED_AT_SECONDS = Math.floor(Date.now() / 1000) - 60;
const revoked = new Map([["user-revoked", new Date(REVOKED_AT_SECONDS * 1000)]]);

describe("the WebSocket $connect authorizer", () => {
  let pool: TestPool;
  let authorize: ReturnType<typeof buildRealtimeAuthorizer>;
  beforeAll(async () => {
    pool = await startPool();
    // As its Lambda entry builds it, with the test pool as the (local) issuer.
    authorize = buildRealtimeAuthorizer(
      {
        STAGE: "dev",
        USER_POOL_ID: "eu-west-1_test",
        USER_POOL_CLIENT_ID: CLIENT_ID,
        TOKEN_ISSUER: pool.issuer,
        REVOCATIONS_TABLE: "test-Revocations",
      },
      // The revocation list in memory (the Revocations table is read through the same list by the API's tests).
      { logger, revocations: new RevocationList({ activeRevocations: async () => new Map(revoked) }) },
    );
  });
  afterAll(() => new Promise<void>((resolve) => pool.server.close(() => resolve())));

  const effectOf = (result: Awaited<ReturnType<typeof authorize>>) =>
    (result.policyDocument.Statement[0] as { Effect: string }).Effect;

  it("lets a member in with their identity as the context of every route", async () => {
    const result = await authorize(
      connectEvent(tokenFor(pool, { sub: "user-alice", name: "Alice", "cognito:groups": [MEMBER_GROUP] })),
    );
    expect(effectOf(result)).toBe("Allow");
    expect(result.principalId).toBe("user-alice");
    expect(result.policyDocument.Statement[0]).toMatchObject({ Resource: METHOD_ARN });
    expect(result.context).toEqual({ userId: "user-alice", groups: MEMBER_GROUP, displayName: "Alice" });
  });

  it("refuses a member's token issued before their revocation, and lets in one issued after it", async () => {
    const issuedAt = REVOKED_AT_SECONDS - 60;
    const before = await authorize(
      connectEvent(tokenFor(pool, { sub: "user-revoked", iat: issuedAt, "cognito:groups": [MEMBER_GROUP] })),
    );
    expect(effectOf(before)).toBe("Deny");
    const after = await authorize(
      connectEvent(
        tokenFor(pool, {
          sub: "user-revoked",
          iat: REVOKED_AT_SECONDS + 1,
          "cognito:groups": [MEMBER_GROUP],
        }),
      ),
    );
    expect(effectOf(after)).toBe("Allow");
  });

  it("lets an admin in, with all their groups", async () => {
    const result = await authorize(
      connectEvent(tokenFor(pool, { sub: "user-admin", "cognito:groups": [ADMIN_GROUP, "Other"] })),
    );
    expect(effectOf(result)).toBe("Allow");
    expect(result.context).toEqual({ userId: "user-admin", groups: `${ADMIN_GROUP},Other` });
  });

  it.each([
    ["no token", () => undefined],
    ["an empty token", () => ""],
    ["a token that is no JWT", () => "not-a-token"],
    [
      "a token signed with another key (forged)",
      () =>
        tokenFor(
          pool,
          { sub: "user-mallory", "cognito:groups": [ADMIN_GROUP] },
          { key: generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey },
        ),
    ],
    [
      "an expired token",
      () =>
        tokenFor(pool, { sub: "user-alice", "cognito:groups": [MEMBER_GROUP] }, { expiresInSeconds: -60 }),
    ],
    [
      "an access token instead of an ID token",
      () => tokenFor(pool, { sub: "user-alice", token_use: "access", "cognito:groups": [MEMBER_GROUP] }),
    ],
    [
      "a token for another app client",
      () => tokenFor(pool, { sub: "user-alice", aud: "someone-else", "cognito:groups": [MEMBER_GROUP] }),
    ],
    [
      "a token of another pool",
      () =>
        tokenFor(pool, {
          sub: "user-alice",
          iss: "https://elsewhere.example",
          "cognito:groups": [MEMBER_GROUP],
        }),
    ],
    ["a signed-in non-member (no group)", () => tokenFor(pool, { sub: "user-stranger" })],
    [
      "a signed-in non-member (another group)",
      () => tokenFor(pool, { sub: "user-pending", "cognito:groups": ["PendingUsers"] }),
    ],
  ])("refuses %s at the handshake", async (_, token) => {
    const result = await authorize(connectEvent(token()));
    expect(effectOf(result)).toBe("Deny");
    expect(result.context).toBeUndefined();
  });

  it("takes Cognito's issuer from the pool and region, and refuses a local issuer in production", () => {
    const env = { USER_POOL_ID: "eu-west-1_Abc", USER_POOL_CLIENT_ID: "a, b", AWS_REGION: "eu-west-1" };
    expect(idTokenVerifierOptionsFromEnv({ ...env, STAGE: "prod" })).toEqual({
      issuer: "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Abc",
      clientIds: ["a", "b"],
    });
    expect(
      idTokenVerifierOptionsFromEnv({ ...env, STAGE: "dev", TOKEN_ISSUER: "http://127.0.0.1:9229/pool/" }),
    ).toMatchObject({ issuer: "http://127.0.0.1:9229/pool" });
    expect(() =>
      idTokenVerifierOptionsFromEnv({ ...env, STAGE: "prod", TOKEN_ISSUER: "http://x/pool" }),
    ).toThrow(/TOKEN_ISSUER/);
    expect(() => idTokenVerifierOptionsFromEnv({ AWS_REGION: "eu-west-1" })).toThrow(/USER_POOL_ID/);
  });
});

describe("the WebSocket routes", () => {
  let db: TestDatabase;
  let route: ReturnType<typeof buildRealtimeRoutes>;
  beforeAll(async () => {
    db = await createTestDatabase(inject("dynamoEndpoint"), "realtime-routes");
    // As its Lambda entry builds it, on the test tables.
    route = buildRealtimeRoutes(
      { ...tableEnvironment(db.tables), STAGE: "dev", DYNAMODB_ENDPOINT: inject("dynamoEndpoint") },
      { logger },
    );
  });
  afterAll(async () => {
    await deleteTables(db.client, db.prefix);
    db.client.destroy();
  });

  const member = { userId: "user-alice", groups: MEMBER_GROUP, displayName: "Alice" };
  // Each test starts with none of Alice's connections open (she may have only a few at once).
  afterEach(async () => {
    const { connections } = db.repositories;
    for (const open of await connections.connectionsOf(member.userId)) {
      await connections.remove(member.userId, open.connectionId);
    }
  });
  function event(
    routeKey: string,
    connectionId: string,
    body?: unknown,
    authorizer: Record<string, unknown> | null = member,
  ): RealtimeRouteEvent {
    return {
      requestContext: { routeKey, connectionId, authorizer },
      body: body === undefined ? null : typeof body === "string" ? body : JSON.stringify(body),
      isBase64Encoded: false,
    };
  }
  async function send(connectionId: string, body: unknown, authorizer?: Record<string, unknown> | null) {
    const result = await route(event("$default", connectionId, body, authorizer));
    expect(result.statusCode).toBe(200);
    return JSON.parse(result.body ?? "null");
  }
  async function connected(): Promise<string> {
    const connectionId = `conn-${randomUUID()}`;
    expect(await route(event("$connect", connectionId))).toEqual({ statusCode: 200 });
    return connectionId;
  }

  it("stores the connection on $connect, for two hours, under the member the authorizer let in", async () => {
    const connectionId = await connected();
    const stored = await db.repositories.connections.get(member.userId, connectionId);
    expect(stored).toMatchObject({
      userId: member.userId,
      connectionId,
      groups: [MEMBER_GROUP],
      subscriptions: [],
    });
    expect(stored!.expiresAt - Math.floor(Date.parse(stored!.connectedAt) / 1000)).toBe(2 * 60 * 60);
  });

  it("stores nothing on a $connect without an authorized member", async () => {
    const connectionId = `conn-${randomUUID()}`;
    expect((await route(event("$connect", connectionId, undefined, null))).statusCode).toBe(401);
    expect(
      (await route(event("$connect", connectionId, undefined, { userId: "user-x", groups: "PendingUsers" })))
        .statusCode,
    ).toBe(401);
    expect(await db.repositories.connections.connectionsOf("user-x")).toEqual([]);
  });

  it(`refuses a member's handshake past ${MAX_CONNECTIONS_PER_MEMBER} open connections, keeping the open ones`, async () => {
    const open: string[] = [];
    for (let i = 0; i < MAX_CONNECTIONS_PER_MEMBER; i++) open.push(await connected());
    const sixth = `conn-${randomUUID()}`;
    expect(await route(event("$connect", sixth))).toEqual({ statusCode: 429 });
    const { connections } = db.repositories;
    expect(await connections.get(member.userId, sixth)).toBeNull();
    expect((await connections.connectionsOf(member.userId)).map((c) => c.connectionId).sort()).toEqual(
      open.sort(),
    );
    // The open ones still work, and another member is not limited by Alice's.
    expect(await send(open[0]!, { action: "ping" })).toEqual({ type: "pong" });
    const bob = { userId: `user-bob-${randomUUID()}`, groups: MEMBER_GROUP };
    expect(await route(event("$connect", `conn-${randomUUID()}`, undefined, bob))).toEqual({
      statusCode: 200,
    });
    // Closing one makes room for the next.
    await route(event("$disconnect", open[0]!));
    expect(await route(event("$connect", sixth))).toEqual({ statusCode: 200 });
  });

  it(`lets at most ${MAX_CONNECTIONS_PER_MEMBER} of a member's racing handshakes in, and keeps exactly those`, async () => {
    const racer = { userId: `user-racer-${randomUUID()}`, groups: MEMBER_GROUP };
    const ids = Array.from({ length: 15 }, () => `conn-${randomUUID()}`);
    const results = await Promise.all(ids.map((id) => route(event("$connect", id, undefined, racer))));
    const admitted = ids.filter((_, index) => results[index]!.statusCode === 200);
    expect(results.every((r) => r.statusCode === 200 || r.statusCode === 429)).toBe(true);
    // Each handshake counts after storing itself, so a burst never gets more than the limit in
    // (it may get fewer, none at all when all of them count at once).
    expect(admitted.length).toBeLessThanOrEqual(MAX_CONNECTIONS_PER_MEMBER);
    const stored = await db.repositories.connections.connectionsOf(racer.userId);
    expect(stored.map((c) => c.connectionId).sort()).toEqual(admitted.sort());
  });

  it("answers ping with pong", async () => {
    const connectionId = await connected();
    expect(await send(connectionId, { action: "ping" })).toEqual({ type: "pong" });
  });

  it("subscribes and unsubscribes item threads, stored with the connection and findable by item", async () => {
    const connectionId = await connected();
    const { connections } = db.repositories;
    const itemId = `/2015/christmas-${randomUUID()}`;
    expect(await send(connectionId, { action: "subscribe", itemId })).toEqual({
      type: "subscribed",
      itemId,
      subscriptions: [itemId],
    });
    // Subscribing twice is the same as once.
    expect((await send(connectionId, { action: "subscribe", itemId })).subscriptions).toEqual([itemId]);
    expect(await connections.subscribersOf(itemId)).toEqual([
      expect.objectContaining({ connectionId, userId: member.userId, groups: [MEMBER_GROUP] }),
    ]);
    expect(await send(connectionId, { action: "unsubscribe", itemId })).toEqual({
      type: "unsubscribed",
      itemId,
      subscriptions: [],
    });
    expect(await connections.subscribersOf(itemId)).toEqual([]);
  });

  it(`refuses a subscription past ${MAX_SUBSCRIPTIONS_PER_CONNECTION} and keeps the ones there`, async () => {
    const connectionId = await connected();
    const itemIds = Array.from(
      { length: MAX_SUBSCRIPTIONS_PER_CONNECTION },
      (_, i) => `/limit/${connectionId}/${i}`,
    );
    for (const itemId of itemIds) await send(connectionId, { action: "subscribe", itemId });
    const extra = `/limit/${connectionId}/one-too-many`;
    expect(await send(connectionId, { action: "subscribe", itemId: extra })).toMatchObject({
      type: "error",
      code: "too_many_subscriptions",
    });
    expect(await db.repositories.connections.subscribersOf(extra)).toEqual([]);
    const stored = await db.repositories.connections.get(member.userId, connectionId);
    expect(stored?.subscriptions).toEqual([...itemIds].sort());
    // One already followed is no new one: still fine at the limit.
    expect((await send(connectionId, { action: "subscribe", itemId: itemIds[0] })).type).toBe("subscribed");
  });

  it.each([
    ["text that is not JSON", "hello", "bad_request"],
    ["a JSON array", [1, 2], "bad_request"],
    ["a message with no action", { itemId: "/2015/christmas" }, "unknown_action"],
    ["an unknown action", { action: "shout" }, "unknown_action"],
    ["a subscribe without an itemId", { action: "subscribe" }, "bad_request"],
    ["a subscribe with a blank itemId", { action: "subscribe", itemId: "  " }, "bad_request"],
    ["a subscribe with a control character", { action: "subscribe", itemId: "/a\u0000b" }, "bad_request"],
    [
      "a subscribe with a too long itemId",
      { action: "subscribe", itemId: `/${"x".repeat(600)}` },
      "bad_request",
    ],
    ["a subscribe with a number", { action: "subscribe", itemId: 42 }, "bad_request"],
    ["a message too large", JSON.stringify({ action: "ping", pad: "x".repeat(5000) }), "bad_request"],
  ])("answers %s with an error and changes nothing", async (_, body, code) => {
    const connectionId = await connected();
    const reply = await send(connectionId, body);
    expect(reply).toEqual({ type: "error", code, message: expect.any(String) });
    expect((await db.repositories.connections.get(member.userId, connectionId))?.subscriptions).toEqual([]);
  });

  it("answers a message on a connection that is not stored, or has no member, with an error", async () => {
    expect(await send(`conn-${randomUUID()}`, { action: "subscribe", itemId: "/x" })).toMatchObject({
      code: "not_connected",
    });
    expect(await send(`conn-${randomUUID()}`, { action: "ping" }, null)).toMatchObject({
      code: "unauthorized",
    });
  });

  it("removes the connection and all its subscriptions on $disconnect", async () => {
    const connectionId = await connected();
    const itemIds = [`/bye/${connectionId}/a`, `/bye/${connectionId}/b`];
    for (const itemId of itemIds) await send(connectionId, { action: "subscribe", itemId });
    expect(await route(event("$disconnect", connectionId))).toEqual({ statusCode: 200 });
    const { connections } = db.repositories;
    expect(await connections.get(member.userId, connectionId)).toBeNull();
    for (const itemId of itemIds) expect(await connections.subscribersOf(itemId)).toEqual([]);
    // A second $disconnect (or one for a connection never stored) is fine.
    expect(await route(event("$disconnect", connectionId))).toEqual({ statusCode: 200 });
  });
});
