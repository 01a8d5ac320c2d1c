import { randomUUID } from "node:crypto";
import { Logger } from "@aws-lambda-powertools/logger";
import { Tracer } from "@aws-lambda-powertools/tracer";
import {
  deleteTables,
  NotFoundError,
  RATE_LIMIT_KINDS,
  type RateLimits,
  RevocationList,
  tableEnvironment,
  tableNamesWithPrefix,
  UnsubscribeTokens,
} from "@hearth/domain";
import { createTestDatabase, type TestDatabase } from "@hearth/domain/testing";
import type { ObjectUrlSigner } from "@hearth/views/object-urls";
import { createPhotoUrls } from "@hearth/views/photos";
import { createObjectUrlSigner } from "@hearth/views/storage-dependencies";
import type { APIGatewayProxyResult, Context } from "aws-lambda";
import { monotonicFactory } from "ulid";
import { afterAll, beforeAll, inject } from "vitest";
import type { ApiHandler } from "../src/area-handler.js";
import { type AllAreaOverrides, API_FUNCTIONS, buildApiHandlers } from "../src/functions.js";
import { buildProxyEvent } from "../src/http/proxy-event.js";
import type { MemberGroups } from "../src/member-groups.js";
import { createApiIdempotency } from "../src/request-steps.js";
import { type ApiArea, findRoute, type RouteDefinition } from "../src/routes.js";

export const ALLOWED_ORIGIN = "https://archive.example.org";
export const TEST_BUCKET = "hearth-test-attachments";
/** A bearer token the handlers must never log. */
export const FAKE_TOKEN = "eyJraWQiOiJ0ZXN0In0.eyJzdWIiOiJzZWNyZXQtdG9rZW4tcGF5bG9hZCJ9.c2lnbmF0dXJl";

export interface TestUser {
  userId: string;
  email: string;
  name?: string;
  groups: string[];
}

export const users = {
  alice: { userId: "user-alice", email: "alice@example.org", name: "Alice A", groups: ["ApprovedUsers"] },
  bob: { userId: "user-bob", email: "bob@example.org", name: "Bob B", groups: ["ApprovedUsers"] },
  carol: { userId: "user-carol", email: "carol@example.org", groups: ["ApprovedUsers"] },
  admin: { userId: "user-admin", email: "admin@example.org", name: "Ada Admin", groups: ["Admins"] },
  /** Signed in but never approved: no group at all. */
  stranger: { userId: "user-stranger", email: "stranger@example.org", groups: [] },
  /** In some other group, still not a family member. */
  pending: { userId: "user-pending", email: "pending@example.org", groups: ["PendingUsers"] },
} satisfies Record<string, TestUser>;

/** Path parameters that are well formed for every route. */
export const SAMPLE_PARAMETERS = {
  userId: users.bob.userId,
  itemId: "/2015/christmas",
  commentId: "01JZZZZZZZZZZZZZZZZZZZZZZZ",
  conversationId: "grp_01JZZZZZZZZZZZZZZZZZZZZZZZ",
  messageId: "01JZZZZZZZZZZZZZZZZZZZZZZZ",
};

const WEEKDAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** A date the way the Cognito authorizer writes `exp`: `Wed Nov 25 17:45:59 UTC 2026`. */
export function authorizerDate(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, "0");
  const time = `${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())}`;
  return `${WEEKDAYS[date.getUTCDay()]} ${MONTHS[date.getUTCMonth()]} ${pad(date.getUTCDate())} ${time} UTC ${date.getUTCFullYear()}`;
}

/** Claims as the REST API's Cognito authorizer delivers them: a flat map of strings. */
export function claimsFor(
  user: TestUser,
  expiresAt = new Date(Date.now() + 3600_000),
): Record<string, string> {
  const claims: Record<string, string> = {
    sub: user.userId,
    email: user.email,
    email_verified: "true",
    "cognito:username": user.userId,
    aud: "test-client-id",
    iss: "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_test",
    token_use: "id",
    auth_time: String(Math.floor(Date.now() / 1000)),
    iat: authorizerDate(new Date()),
    exp: authorizerDate(expiresAt),
  };
  if (user.name) claims.name = user.name;
  // The authorizer leaves the claim out entirely for users in no group.
  if (user.groups.length) claims["cognito:groups"] = user.groups.join(",");
  return claims;
}

export interface EventOptions {
  /** `null`: no authorizer claims at all (no or bad token). */
  caller?: TestUser | null;
  claims?: Record<string, string>;
  /** Raw (decoded) values; the event carries them percent-encoded like a REST API does. */
  pathParameters?: Record<string, string>;
  /** Values put into the event exactly as given (to send a broken encoding). */
  encodedPathParameters?: Record<string, string>;
  query?: Record<string, string>;
  /** Objects are sent as JSON; strings as they are. */
  body?: unknown;
  headers?: Record<string, string>;
  /** The Content-Type header; JSON when a body is given, `null` to send none at all. */
  contentType?: string | null;
  isBase64Encoded?: boolean;
}

/** A REST (v1) proxy event for `route`, as API Gateway delivers it to the handlers. */
export function apiEvent(route: Pick<RouteDefinition, "method" | "resource">, options: EventOptions = {}) {
  const encodedParameters = {
    ...Object.fromEntries(
      Object.entries(options.pathParameters ?? {}).map(([name, value]) => [name, encodeURIComponent(value)]),
    ),
    ...options.encodedPathParameters,
  };
  const path = route.resource.replace(/\{(\w+)\}/g, (_, name: string) => encodedParameters[name] ?? "");
  const caller = options.caller === undefined ? users.alice : options.caller;
  const claims = options.claims ?? (caller ? claimsFor(caller) : undefined);
  const body =
    options.body === undefined
      ? null
      : typeof options.body === "string"
        ? options.body
        : JSON.stringify(options.body);
  const headers: Record<string, string> = {
    Accept: "application/json",
    Authorization: `Bearer ${FAKE_TOKEN}`,
    Host: "api.example.org",
    Origin: ALLOWED_ORIGIN,
    "User-Agent": "vitest",
    ...options.headers,
  };
  const contentType =
    options.contentType === undefined && body !== null ? "application/json" : options.contentType;
  if (contentType) headers["Content-Type"] = contentType;
  return buildProxyEvent({
    route,
    path,
    pathParameters: encodedParameters,
    query: Object.entries(options.query ?? {}),
    headers: Object.entries(headers),
    body,
    isBase64Encoded: options.isBase64Encoded ?? false,
    claims: claims ?? null,
    domainName: "api.example.org",
    sourceIp: "203.0.113.9",
    stage: "test",
    requestId: randomUUID(),
    requestTime: new Date(),
  });
}

export function lambdaContext(functionName = "hearth-api-test"): Context {
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: "$LATEST",
    invokedFunctionArn: `arn:aws:lambda:eu-west-1:123456789012:function:${functionName}`,
    memoryLimitInMB: "512",
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: "test",
    getRemainingTimeInMillis: () => 30_000,
    done: () => {},
    fail: () => {},
    succeed: () => {},
  };
}

/** A signer of the test bucket on an address nothing listens on: presigning never calls it. */
export function testObjectUrlSigner(): ObjectUrlSigner {
  return createObjectUrlSigner({
    stage: "test",
    bucket: TEST_BUCKET,
    region: "eu-west-1",
    endpoint: "http://127.0.0.1:9",
    accessKeyId: "test-access-key",
    secretAccessKey: "test-secret-key",
  });
}

/**
 * Limits no other test reaches (tests write fast as one member); the counters still count.
 * The rate-limit tests use the real defaults.
 */
export const GENEROUS_RATE_LIMITS = Object.fromEntries(
  RATE_LIMIT_KINDS.map((kind) => [kind, { limit: 100_000, windowSeconds: 60 }]),
) as RateLimits;

/**
 * The user pool's ApprovedUsers group, in memory (the Cognito client over cognito-local is
 * tested in the local package): who was added, in order; a username in `missing` has no account.
 */
export class InMemoryMemberGroups implements MemberGroups {
  readonly added: string[] = [];
  readonly removed: string[] = [];
  readonly signedOut: string[] = [];
  readonly admins = new Set<string>();
  readonly missing = new Set<string>();
  private assertExists(username: string): void {
    if (this.missing.has(username))
      throw new NotFoundError("This person no longer has an account in the user pool");
  }
  async addToMembers(username: string): Promise<void> {
    this.assertExists(username);
    this.added.push(username);
  }
  async removeFromMembers(username: string): Promise<void> {
    this.assertExists(username);
    this.removed.push(username);
  }
  async signOutEverywhere(username: string): Promise<void> {
    this.assertExists(username);
    this.signedOut.push(username);
  }
  async isAdmin(username: string): Promise<boolean> {
    return this.admins.has(username);
  }
}

/** The host the test API lets profile photos link to (`photoHosts`). */
export const TEST_PHOTO_HOST = "photos.example.org";

/** The secret the test API's unsubscribe tokens derive their key from. */
export const TEST_UNSUBSCRIBE_SECRET = "a-cursor-secret-for-unsubscribe-tests";

/**
 * What the test API replaces in every area's builder: repositories, rate-limit counters and
 * the idempotency store over the test database, an in-memory user pool, the test bucket's
 * signer, fixed keys, quiet telemetry. Each builder takes the parts its area uses.
 */
export function testDependencies(db: TestDatabase, overrides: AllAreaOverrides = {}) {
  const objectUrls = testObjectUrlSigner();
  return {
    repositories: db.repositories,
    rateLimitCounters: db.repositories.rateLimits,
    // The test database's codec was built with fixed keys; rotation has its own tests.
    refreshCursorKeys: async () => {},
    revocations: new RevocationList(db.repositories.revocations),
    unsubscribeTokens: new UnsubscribeTokens(TEST_UNSUBSCRIBE_SECRET),
    idempotency: createApiIdempotency(db.client, db.tables),
    objectUrls,
    // The test environment's one photo host; everything else must be uploaded.
    photos: createPhotoUrls(objectUrls, undefined, [TEST_PHOTO_HOST]),
    rateLimits: GENEROUS_RATE_LIMITS,
    allowedOrigins: [ALLOWED_ORIGIN, "http://localhost:5173"],
    logger: new Logger({ serviceName: "hearth-api-test", logLevel: "SILENT" }),
    tracer: new Tracer({ serviceName: "hearth-api-test", enabled: false }),
    metrics: { requestCompleted: () => {} },
    now: () => new Date(),
    newId: monotonicFactory(),
    memberGroups: new InMemoryMemberGroups() as MemberGroups,
    ...overrides,
  };
}
export type TestDependencies = ReturnType<typeof testDependencies>;

/**
 * The environment the builders start from in tests: valid settings on DynamoDB Local, and
 * tables under a prefix nothing creates, because every part that reaches a table is replaced
 * by `testDependencies` (a part a builder added without it would fail loudly).
 */
export function testEnvironment(): NodeJS.ProcessEnv {
  return {
    ...tableEnvironment(tableNamesWithPrefix("not-a-test-table-")),
    STAGE: "dev",
    DYNAMODB_ENDPOINT: inject("dynamoEndpoint"),
    S3_ENDPOINT: "http://127.0.0.1:9",
    ATTACHMENTS_BUCKET: TEST_BUCKET,
    CURSOR_SECRET: "a-cursor-secret-the-test-dependencies-replace",
    AWS_REGION: "eu-west-1",
    USER_POOL_ID: "eu-west-1_test",
    COGNITO_ENDPOINT: "http://127.0.0.1:9",
    LOG_LEVEL: "silent",
  };
}

/** `area`'s handler, built by its own builder with `deps` replacing the parts it uses. */
export function areaHandler(area: ApiArea, deps: TestDependencies): ApiHandler {
  return API_FUNCTIONS[area].build(testEnvironment(), deps);
}

// biome-ignore lint/suspicious/noExplicitAny: tests check response bodies with assertions, not types
export interface ApiResponse<T = any> {
  status: number;
  body: T;
  headers: Record<string, string | number | boolean>;
  raw: APIGatewayProxyResult;
}

export function toApiResponse(result: APIGatewayProxyResult): ApiResponse {
  return {
    status: result.statusCode,
    // Pages (text/html) stay text; everything else the API answers is JSON.
    body: result.body
      ? String(result.headers?.["Content-Type"] ?? "").startsWith("text/html")
        ? result.body
        : JSON.parse(result.body)
      : undefined,
    headers: result.headers ?? {},
    raw: result,
  };
}

export type Invoke = (method: string, resource: string, options?: EventOptions) => Promise<ApiResponse>;

/** Invokes the area handler the route table assigns to `method resource`. */
export function invoker(deps: TestDependencies): Invoke {
  const handlers = buildApiHandlers(testEnvironment(), deps);
  return async (method, resource, options = {}) => {
    const route = findRoute(method, resource);
    if (!route) throw new Error(`No route ${method} ${resource} in the route table`);
    return toApiResponse(await handlers[route.area](apiEvent(route, options), lambdaContext()));
  };
}

export interface TestApi {
  db: TestDatabase;
  deps: TestDependencies;
  call: Invoke;
}

/** Tables of this file's own, handlers over them, and everything deleted afterwards. */
export function useTestApi(label: string): () => TestApi {
  let api: TestApi | undefined;
  beforeAll(async () => {
    const db = await createTestDatabase(inject("dynamoEndpoint"), label);
    const deps = testDependencies(db);
    api = { db, deps, call: invoker(deps) };
  });
  afterAll(async () => {
    if (!api) return;
    await deleteTables(api.db.client, api.db.prefix);
    api.db.client.destroy();
  });
  return () => {
    if (!api) throw new Error("The test API is not ready");
    return api;
  };
}

/** Saves a profile through the API, as its owner would. */
export async function saveProfile(call: Invoke, user: TestUser, fields: Record<string, unknown> = {}) {
  const response = await call("PUT", "/profile", {
    caller: user,
    body: { displayName: user.name ?? user.userId, ...fields },
  });
  if (response.status !== 200)
    throw new Error(`Saving ${user.userId}'s profile failed: ${response.raw.body}`);
  return response.body;
}

/** Follows `nextCursor` through every page of a list route. */
export async function collectPages<T>(
  call: Invoke,
  method: string,
  resource: string,
  key: string,
  options: EventOptions & { limit: number },
): Promise<{ items: T[]; pages: number }> {
  const items: T[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const query: Record<string, string> = { limit: String(options.limit), ...(cursor ? { cursor } : {}) };
    const response = await call(method, resource, { ...options, query });
    if (response.status !== 200) throw new Error(`Listing failed: ${response.raw.body}`);
    items.push(...(response.body[key] as T[]));
    cursor = response.body.nextCursor;
    pages++;
  } while (cursor);
  return { items, pages };
}
