import { createPrivateKey, createSign } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import {
  CognitoIdentityProviderClient,
  InitiateAuthCommand,
} from "@aws-sdk/client-cognito-identity-provider";
import { API_FUNCTION_TIMEOUT_SECONDS, ROUTES } from "@hearth/api-handlers";
import { freePort } from "@hearth/domain/testing";
import type { APIGatewayProxyEvent } from "aws-lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startCognito } from "../src/engines.js";
import { type ApiHandler, handleRequest, matchResource, type RequestInput } from "../src/gateway.js";
import { ProcessGroup } from "../src/processes.js";
import { createUser, ensureUserPool } from "../src/provision.js";
import {
  createIdTokenVerifier,
  flattenClaims,
  type IdTokenVerifier,
  tokenFromHeader,
} from "../src/token-verifier.js";

const require = createRequire(import.meta.url);
/** cognito-local signs with this key; tests use it to mint tokens Cognito would not hand out. */
const cognitoKey = JSON.parse(
  readFileSync(
    join(dirname(require.resolve("cognito-local/package.json")), "lib/keys/cognitoLocal.private.json"),
    "utf8",
  ),
) as { jwk: Record<string, string> };

function sign(payload: Record<string, unknown>): string {
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
  const unsigned = `${encode({ alg: "RS256", kid: "CognitoLocal", typ: "JWT" })}.${encode(payload)}`;
  const signature = createSign("RSA-SHA256")
    .update(unsigned)
    .sign(createPrivateKey({ key: cognitoKey.jwk, format: "jwk" }))
    .toString("base64url");
  return `${unsigned}.${signature}`;
}

const group = new ProcessGroup();
const dataDir = mkdtempSync(join(tmpdir(), "hearth-local-cognito-"));
let endpoint: string;
let issuer: string;
let clientId: string;
let memberToken: string;
let memberAccessToken: string;
let verify: IdTokenVerifier;

beforeAll(async () => {
  endpoint = await startCognito(group, { host: "127.0.0.1", port: await freePort() }, dataDir);
  const cognito = new CognitoIdentityProviderClient({
    endpoint,
    region: "us-east-1",
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
  });
  const pool = await ensureUserPool(cognito, "test-pool", "test-client");
  clientId = pool.userPoolClientId;
  issuer = `${endpoint}/${pool.userPoolId}`;
  const password = "Test-password-1234";
  await createUser(cognito, pool.userPoolId, {
    email: "ada@example.com",
    password,
    name: "Ada",
    groups: ["ApprovedUsers", "Admins"],
  });
  const auth = await cognito.send(
    new InitiateAuthCommand({
      AuthFlow: "USER_PASSWORD_AUTH",
      ClientId: clientId,
      AuthParameters: { USERNAME: "ada@example.com", PASSWORD: password },
    }),
  );
  memberToken = auth.AuthenticationResult!.IdToken!;
  memberAccessToken = auth.AuthenticationResult!.AccessToken!;
  cognito.destroy();
  verify = createIdTokenVerifier({ issuer, clientIds: [clientId] });
});

afterAll(async () => {
  await group.stopAll();
  rmSync(dataDir, { recursive: true, force: true });
});

const claimsOf = (token: string) =>
  JSON.parse(Buffer.from(token.split(".")[1]!, "base64url").toString()) as Record<string, unknown>;

describe("ID token verification (like the Cognito authorizer)", () => {
  it("accepts a pool's ID token with or without Bearer and flattens its claims", async () => {
    for (const header of [memberToken, `Bearer ${memberToken}`]) {
      const result = await verify(header);
      expect(result.ok).toBe(true);
      if (!result.ok) return;
      expect(result.claims["cognito:groups"]).toBe("Admins,ApprovedUsers");
      expect(result.claims.email).toBe("ada@example.com");
      expect(result.claims.email_verified).toBe("true");
      expect(Object.values(result.claims).every((value) => typeof value === "string")).toBe(true);
    }
  });

  it("rejects a missing, tampered, expired, access, foreign-audience or foreign-issuer token", async () => {
    const valid = claimsOf(memberToken);
    const [header, , signature] = memberToken.split(".");
    const tampered = `${header}.${Buffer.from(JSON.stringify({ ...valid, "cognito:groups": ["Admins"] })).toString("base64url")}.${signature}`;
    const now = Math.floor(Date.now() / 1000);
    expect(await verify(undefined)).toEqual({ ok: false, reason: "missing" });
    expect(await verify("Bearer ")).toEqual({ ok: false, reason: "missing" });
    expect(await verify(tampered)).toEqual({ ok: false, reason: "invalid" });
    expect(await verify(sign({ ...valid, iat: now - 7200, exp: now - 3600 }))).toEqual({
      ok: false,
      reason: "expired",
    });
    expect(await verify(memberAccessToken)).toEqual({ ok: false, reason: "invalid" });
    expect(await verify(sign({ ...valid, token_use: "access" }))).toEqual({ ok: false, reason: "invalid" });
    expect(await verify(sign({ ...valid, aud: "another-client" }))).toEqual({ ok: false, reason: "invalid" });
    expect(await verify(sign({ ...valid, iss: `${endpoint}/local_other` }))).toEqual({
      ok: false,
      reason: "invalid",
    });
    // The same claims re-signed with the real key pass: the rejections above are about the claims.
    expect((await verify(sign(valid))).ok).toBe(true);
  });

  it("reads the token from the header the way the authorizer does", () => {
    expect(tokenFromHeader("bearer abc")).toBe("abc");
    expect(tokenFromHeader("  abc ")).toBe("abc");
    expect(tokenFromHeader("")).toBeUndefined();
  });

  it("renders exp and iat as API Gateway does and joins lists", () => {
    expect(flattenClaims({ exp: 0, iat: 86_400, "cognito:groups": ["a", "b"], n: 5 })).toEqual({
      exp: "Thu Jan 01 00:00:00 UTC 1970",
      iat: "Fri Jan 02 00:00:00 UTC 1970",
      "cognito:groups": "a,b",
      n: "5",
    });
  });
});

describe("local API Gateway", () => {
  const seen: APIGatewayProxyEvent[] = [];
  const echo: ApiHandler = async (event) => {
    seen.push(event);
    return { statusCode: 200, headers: { "X-Area": "echo" }, body: JSON.stringify({ ok: true }) };
  };
  const options = () => ({
    routes: ROUTES,
    handlers: {
      profile: echo,
      comments: echo,
      reactions: echo,
      messages: echo,
      admin: echo,
      jobs: echo,
      feed: echo,
    },
    verifyToken: verify,
    allowedOrigins: ["http://localhost:5173"],
    stage: "local",
    region: "us-east-1",
  });
  const request = (overrides: Partial<RequestInput>): RequestInput => ({
    method: "GET",
    rawPath: "/",
    rawQuery: "",
    rawHeaders: [],
    body: Buffer.alloc(0),
    sourceIp: "127.0.0.1",
    ...overrides,
  });

  it("matches resources on the raw path, literals before parameters, encoded slashes kept", () => {
    expect(matchResource(ROUTES, "/comments/%2F2015%2Fchristmas")).toMatchObject({
      resource: "/comments/{itemId}",
      pathParameters: { itemId: "%2F2015%2Fchristmas" },
    });
    expect(matchResource(ROUTES, "/messages/upload")?.resource).toBe("/messages/upload");
    expect(matchResource(ROUTES, "/profile/abc/comments")?.resource).toBe("/profile/{userId}/comments");
    expect(matchResource(ROUTES, "/comments/2015/christmas/extra/more")).toBeUndefined();
  });

  it("builds the REST v1 proxy event: encoded path parameters, flat string claims, headers as sent", async () => {
    seen.length = 0;
    const reply = await handleRequest(
      request({
        method: "POST",
        rawPath: "/comments/%2F2015%2Fchristmas",
        rawQuery: "limit=5&tag=a&tag=b%20c",
        rawHeaders: [
          "Authorization",
          `Bearer ${memberToken}`,
          "Content-Type",
          "application/json",
          "User-Agent",
          "t",
          "Idempotency-Key",
          "retry-1",
        ],
        body: Buffer.from('{"text":"hi"}'),
      }),
      options(),
      "127.0.0.1:3000",
    );
    expect(reply.statusCode).toBe(200);
    expect(reply.headers["X-Area"]).toBe("echo");
    const event = seen[0]!;
    expect(event.resource).toBe("/comments/{itemId}");
    expect(event.path).toBe("/comments/%2F2015%2Fchristmas");
    expect(event.httpMethod).toBe("POST");
    expect(event.pathParameters).toEqual({ itemId: "%2F2015%2Fchristmas" });
    expect(event.queryStringParameters).toEqual({ limit: "5", tag: "b c" });
    expect(event.multiValueQueryStringParameters).toEqual({ limit: ["5"], tag: ["a", "b c"] });
    // Passed through for the handlers to check: the content type and the idempotency key.
    expect(event.headers["Content-Type"]).toBe("application/json");
    expect(event.headers["Idempotency-Key"]).toBe("retry-1");
    expect(event.body).toBe('{"text":"hi"}');
    expect(event.isBase64Encoded).toBe(false);
    expect(event.requestContext.resourcePath).toBe("/comments/{itemId}");
    expect(event.requestContext.stage).toBe("local");
    expect(event.requestContext.path).toBe("/local/comments/%2F2015%2Fchristmas");
    expect(event.requestContext.identity.userAgent).toBe("t");
    expect(event.requestContext.requestTime).toMatch(
      /^\d{2}\/[A-Z][a-z]{2}\/\d{4}:\d{2}:\d{2}:\d{2} \+0000$/,
    );
    const claims = event.requestContext.authorizer?.claims as Record<string, unknown>;
    expect(claims["cognito:groups"]).toBe("Admins,ApprovedUsers");
    expect(claims.sub).toBe(claimsOf(memberToken).sub);
    expect(Object.values(claims).every((value) => typeof value === "string")).toBe(true);
  });

  it("gives null path and query parameters when there are none", async () => {
    seen.length = 0;
    await handleRequest(
      request({ rawPath: "/messages/conversations", rawHeaders: ["authorization", memberToken] }),
      options(),
      "h",
    );
    expect(seen[0]!.pathParameters).toBeNull();
    expect(seen[0]!.queryStringParameters).toBeNull();
    expect(seen[0]!.body).toBeNull();
  });

  it("answers 401 like API Gateway without calling the handler when the token is missing or bad", async () => {
    seen.length = 0;
    for (const rawHeaders of [[], ["Authorization", "Bearer nope"], ["Origin", "http://localhost:5173"]]) {
      const reply = await handleRequest(
        request({ rawPath: "/messages/conversations", rawHeaders }),
        options(),
        "h",
      );
      expect(reply.statusCode).toBe(401);
      expect(JSON.parse(String(reply.body))).toEqual({
        error: { code: "UNAUTHORIZED", message: "Unauthorized" },
      });
    }
    const expired = sign({ ...claimsOf(memberToken), exp: Math.floor(Date.now() / 1000) - 60 });
    const reply = await handleRequest(
      request({
        rawPath: "/messages/conversations",
        rawHeaders: ["Authorization", expired, "Origin", "http://localhost:5173"],
      }),
      options(),
      "h",
    );
    expect(reply.statusCode).toBe(401);
    expect(JSON.parse(String(reply.body))).toEqual({
      error: { code: "UNAUTHORIZED", message: "The incoming token has expired" },
    });
    expect(reply.headers["Access-Control-Allow-Origin"]).toBe("http://localhost:5173");
    expect(seen).toHaveLength(0);
  });

  it("passes a public route's request on without a token, and without claims even when one is sent", async () => {
    seen.length = 0;
    for (const [method, rawHeaders] of [
      ["GET", []],
      ["POST", ["Content-Type", "application/x-www-form-urlencoded"]],
      ["POST", ["Authorization", "Bearer nope"]],
    ] as const) {
      const reply = await handleRequest(
        request({
          method,
          rawPath: "/unsubscribe",
          rawQuery: "token=abc.def",
          rawHeaders: [...rawHeaders],
          body: Buffer.from(method === "POST" ? "List-Unsubscribe=One-Click" : ""),
        }),
        options(),
        "h",
      );
      expect(reply.statusCode).toBe(200);
    }
    expect(
      seen.map((event) => [event.httpMethod, event.resource, event.queryStringParameters?.token]),
    ).toEqual([
      ["GET", "/unsubscribe", "abc.def"],
      ["POST", "/unsubscribe", "abc.def"],
      ["POST", "/unsubscribe", "abc.def"],
    ]);
    expect(seen.every((event) => event.requestContext.authorizer === null)).toBe(true);
  });

  it("answers unknown routes and methods with 403 Missing Authentication Token", async () => {
    for (const [method, rawPath] of [
      ["GET", "/nowhere"],
      ["PATCH", "/profile"],
    ] as const) {
      const reply = await handleRequest(
        request({ method, rawPath, rawHeaders: ["Authorization", memberToken] }),
        options(),
        "h",
      );
      expect(reply.statusCode).toBe(403);
      expect(JSON.parse(String(reply.body))).toEqual({
        error: { code: "MISSING_AUTHENTICATION_TOKEN", message: "Missing Authentication Token" },
      });
    }
  });

  it("serves the OpenAPI document and the API reference page without a token, with CORS headers", async () => {
    const document = { openapi: "3.1.0", info: { title: "t", version: "1" }, paths: {} };
    const withDocs = { ...options(), openApiDocument: document };
    const spec = await handleRequest(
      request({ rawPath: "/openapi.json", rawHeaders: ["Origin", "http://localhost:5173"] }),
      withDocs,
      "h",
    );
    expect(spec.statusCode).toBe(200);
    expect(spec.headers["Content-Type"]).toMatch(/^application\/json/);
    expect(spec.headers["Access-Control-Allow-Origin"]).toBe("http://localhost:5173");
    expect(JSON.parse(spec.body.toString())).toEqual(document);
    const page = await handleRequest(request({ rawPath: "/docs" }), withDocs, "h");
    expect(page.statusCode).toBe(200);
    expect(page.body.toString()).toContain('<script src="/docs/swagger-ui-bundle.js"></script>');
    // Every file the page loads is served locally (no CDN).
    for (const [, src] of page.body.toString().matchAll(/(?:src|href)="(\/docs\/[^"]+)"/g)) {
      const asset = await handleRequest(request({ rawPath: src! }), withDocs, "h");
      expect(asset.statusCode, src).toBe(200);
      expect(asset.body.length, src).toBeGreaterThan(10);
    }
    expect(page.body.toString()).not.toMatch(/https?:\/\//);
    // Without a document (or for other paths) the gateway answers as API Gateway would.
    expect((await handleRequest(request({ rawPath: "/docs" }), options(), "h")).statusCode).toBe(403);
    expect(
      (await handleRequest(request({ rawPath: "/docs/../package.json" }), withDocs, "h")).statusCode,
    ).toBe(403);
  });

  it("answers CORS preflight for allowed origins without a token", async () => {
    const allowed = await handleRequest(
      request({
        method: "OPTIONS",
        rawPath: "/comments/%2Fx",
        rawHeaders: ["Origin", "http://localhost:5173", "Access-Control-Request-Method", "POST"],
      }),
      options(),
      "h",
    );
    expect(allowed.statusCode).toBe(204);
    expect(allowed.headers["Access-Control-Allow-Origin"]).toBe("http://localhost:5173");
    expect(allowed.headers["Access-Control-Allow-Methods"]).toBe("GET,POST,OPTIONS");
    expect(allowed.headers["Access-Control-Allow-Headers"]).toContain("Authorization");
    const foreign = await handleRequest(
      request({ method: "OPTIONS", rawPath: "/profile", rawHeaders: ["Origin", "https://evil.example"] }),
      options(),
      "h",
    );
    // Like the deployed preflight: not echoed, the first listed origin instead, so the browser blocks it.
    expect(foreign.headers["Access-Control-Allow-Origin"]).toBe("http://localhost:5173");
  });

  it("turns a handler crash into API Gateway's 502", async () => {
    const crash: ApiHandler = async () => {
      throw new Error("boom");
    };
    const reply = await handleRequest(
      request({ rawPath: "/profile", method: "PUT", rawHeaders: ["Authorization", memberToken] }),
      {
        ...options(),
        handlers: {
          profile: crash,
          comments: crash,
          reactions: crash,
          messages: crash,
          admin: crash,
          jobs: crash,
          feed: crash,
        },
      },
      "h",
    );
    expect(reply.statusCode).toBe(502);
    expect(String(reply.body)).not.toContain("boom");
  });

  it("gives each invocation the API functions' configured timeout", async () => {
    let remainingMs = 0;
    const clock: ApiHandler = async (_event, context) => {
      remainingMs = context.getRemainingTimeInMillis();
      return { statusCode: 200, body: "{}" };
    };
    await handleRequest(
      request({ rawPath: "/profile", method: "PUT", rawHeaders: ["Authorization", memberToken] }),
      {
        ...options(),
        handlers: {
          profile: clock,
          comments: clock,
          reactions: clock,
          messages: clock,
          admin: clock,
          jobs: clock,
          feed: clock,
        },
      },
      "h",
    );
    expect(remainingMs).toBeGreaterThan(API_FUNCTION_TIMEOUT_SECONDS * 1000 - 1000);
    expect(remainingMs).toBeLessThanOrEqual(API_FUNCTION_TIMEOUT_SECONDS * 1000);
  });

  it("stops waiting when the function's time is up and answers as for a timed-out Lambda (502)", async () => {
    const hang: ApiHandler = () => new Promise(() => {});
    const logged: string[] = [];
    const reply = await handleRequest(
      request({ rawPath: "/profile", method: "PUT", rawHeaders: ["Authorization", memberToken] }),
      {
        ...options(),
        handlers: {
          profile: hang,
          comments: hang,
          reactions: hang,
          messages: hang,
          admin: hang,
          jobs: hang,
          feed: hang,
        },
        functionTimeoutMs: 200,
        log: (line: string) => logged.push(line),
      },
      "h",
    );
    expect(reply.statusCode).toBe(502);
    expect(JSON.parse(String(reply.body))).toEqual({
      error: { code: "DEFAULT_5XX", message: "Internal server error" },
    });
    expect(logged.join("\n")).toContain("timed out after 0.2 s");
  });

  it("answers 504 Endpoint request timed out when API Gateway's integration timeout comes first", async () => {
    const hang: ApiHandler = () => new Promise(() => {});
    const reply = await handleRequest(
      request({ rawPath: "/profile", method: "PUT", rawHeaders: ["Authorization", memberToken] }),
      {
        ...options(),
        handlers: {
          profile: hang,
          comments: hang,
          reactions: hang,
          messages: hang,
          admin: hang,
          jobs: hang,
          feed: hang,
        },
        functionTimeoutMs: 60_000,
        integrationTimeoutMs: 200,
      },
      "h",
    );
    expect(reply.statusCode).toBe(504);
    expect(reply.headers["x-amzn-ErrorType"]).toBe("IntegrationTimeout");
    expect(JSON.parse(String(reply.body)).error).toEqual({
      code: "INTEGRATION_TIMEOUT",
      message: "Endpoint request timed out",
    });
  });
});
