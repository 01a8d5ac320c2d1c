import { Logger } from "@aws-lambda-powertools/logger";
import { createDocumentClient, createRepositories, tableNamesWithPrefix } from "@hearth/domain";
import { describe, expect, it, vi } from "vitest";
import { API_MANIFESTS, routeHandlerFor } from "../src/functions.js";
import { MAX_BODY_BYTES } from "../src/http/request.js";
import { API_AREAS, ROUTES } from "../src/routes.js";
import {
  ALLOWED_ORIGIN,
  apiEvent,
  areaHandler,
  claimsFor,
  FAKE_TOKEN,
  invoker,
  lambdaContext,
  SAMPLE_PARAMETERS,
  saveProfile,
  testDependencies,
  toApiResponse,
  users,
  useTestApi,
} from "./helpers.js";

const api = useTestApi("api");

const BODY_ROUTES = ROUTES.filter((route) => route.method === "POST" || route.method === "PUT").filter(
  (route) =>
    ![
      "/reactions/{commentId}",
      "/messages/conversations/{conversationId}/read",
      "/messages/conversations/{conversationId}/leave",
      "/admin/members/{userId}/approve",
      "/admin/members/{userId}/revoke",
      "/me/exports",
      // The one-click POST's form body is not read at all (the token says it all).
      "/unsubscribe",
    ].includes(route.resource),
);
const LIST_RESOURCES: readonly string[] = [
  "/profile/{userId}/comments",
  "/comments/{itemId}",
  "/reactions/{commentId}",
  "/messages/conversations",
  "/messages/conversations/{conversationId}",
  "/members",
  "/admin/members",
  "/notifications",
];
const LIST_ROUTES = ROUTES.filter(
  (route) => route.method === "GET" && LIST_RESOURCES.includes(route.resource),
);

describe("the route table", () => {
  it("has an implementation for every route, in its own area only", () => {
    for (const route of ROUTES) {
      for (const area of API_AREAS) {
        const handler = routeHandlerFor(area, route.method, route.resource);
        if (area === route.area) expect(handler, `${route.method} ${route.resource}`).toBeTypeOf("function");
        else expect(handler).toBeUndefined();
      }
    }
    expect(ROUTES).toHaveLength(35);
  });

  it("names an existing entry module for every area", async () => {
    const { existsSync } = await import("node:fs");
    for (const area of API_AREAS) expect(existsSync(API_MANIFESTS[area].entry)).toBe(true);
  });

  it("answers 404 for a route sent to another area's handler or not in the table", async () => {
    const handler = areaHandler("profile", api().deps);
    const foreign = await handler(
      apiEvent({ method: "GET", resource: "/comments/{itemId}" }, { pathParameters: SAMPLE_PARAMETERS }),
      lambdaContext(),
    );
    expect(foreign.statusCode).toBe(404);
    const unknown = await handler(
      apiEvent({ method: "PATCH" as "PUT", resource: "/profile" }),
      lambdaContext(),
    );
    expect(unknown.statusCode).toBe(404);
    expect(JSON.parse(unknown.body)).toEqual({ error: { code: "NOT_FOUND", message: expect.any(String) } });
  });
});

describe.each(
  ROUTES.filter((route) => route.access !== "public").map(
    (route) => [`${route.method} ${route.resource}`, route] as const,
  ),
)("who may call %s", (_, route) => {
  const options = { pathParameters: SAMPLE_PARAMETERS, body: {} };

  it("refuses a request without verified claims with 401", async () => {
    const response = await api().call(route.method, route.resource, { ...options, caller: null });
    expect(response.status).toBe(401);
    expect(response.body.error.code).toBe("UNAUTHORIZED");
    expect(response.headers["Access-Control-Allow-Origin"]).toBe(ALLOWED_ORIGIN);
  });

  it("tells signed-in people who are not family members yet that their membership awaits approval (403)", async () => {
    for (const caller of [users.stranger, users.pending]) {
      const response = await api().call(route.method, route.resource, { ...options, caller });
      expect(response.status).toBe(403);
      expect(response.body).toEqual({
        error: { code: "MEMBERSHIP_PENDING", message: expect.stringMatching(/awaiting approval/) },
      });
      expect(response.headers["Access-Control-Allow-Origin"]).toBe(ALLOWED_ORIGIN);
    }
  });
});

describe.each(
  ROUTES.filter((route) => route.access === "public").map(
    (route) => [`${route.method} ${route.resource}`, route] as const,
  ),
)("the public route %s", (_, route) => {
  it("needs no Cognito claims: the request reaches the route, which wants its signed token (400)", async () => {
    for (const caller of [null, users.stranger]) {
      const response = await api().call(route.method, route.resource, { caller });
      expect(response.status).toBe(400);
      expect(response.body.error).toEqual({
        code: "INVALID_INPUT",
        message: expect.stringMatching(/no token/),
      });
      expect(response.headers["Access-Control-Allow-Origin"]).toBe(ALLOWED_ORIGIN);
    }
  });
});

describe.each(
  ROUTES.filter((route) => route.access === "admin").map((route) => [route.resource, route] as const),
)("the admin route %s", (_, route) => {
  it("refuses members who are not admins with 403 FORBIDDEN", async () => {
    const response = await api().call(route.method, route.resource, {
      pathParameters: SAMPLE_PARAMETERS,
      caller: users.alice,
    });
    expect(response.status).toBe(403);
    expect(response.body.error.code).toBe("FORBIDDEN");
  });
});

describe("the caller's token", () => {
  it("refuses expired claims with 401", async () => {
    const claims = claimsFor(users.alice, new Date(Date.now() - 60_000));
    const response = await api().call("GET", "/messages/conversations", { claims });
    expect(response.status).toBe(401);
  });

  it("reads cognito:groups as one comma-separated string", async () => {
    const both = { ...claimsFor(users.carol), "cognito:groups": "PendingUsers,Admins" };
    const response = await api().call("DELETE", "/admin/comments/{commentId}", {
      claims: both,
      pathParameters: { commentId: SAMPLE_PARAMETERS.commentId },
    });
    // Passed the admin check: the comment simply does not exist.
    expect(response.status).toBe(404);
  });

  it("refuses claims without a subject with 401", async () => {
    const { sub: _, ...claims } = claimsFor(users.alice);
    const response = await api().call("GET", "/messages/conversations", { claims });
    expect(response.status).toBe(401);
  });
});

describe.each(BODY_ROUTES.map((route) => [`${route.method} ${route.resource}`, route] as const))(
  "the body of %s",
  (_, route) => {
    const options = { pathParameters: SAMPLE_PARAMETERS };

    it("must be JSON", async () => {
      for (const body of ["{not json", "", "[]", "42", "null", '"text"']) {
        const response = await api().call(route.method, route.resource, { ...options, body });
        expect(response.status, body).toBe(400);
        expect(response.body.error.code).toBe("INVALID_INPUT");
      }
    });

    it("may be at most 64 KB (413)", async () => {
      const body = JSON.stringify({ commentText: "x".repeat(MAX_BODY_BYTES) });
      const response = await api().call(route.method, route.resource, { ...options, body });
      expect(response.status).toBe(413);
      expect(response.body.error.code).toBe("PAYLOAD_TOO_LARGE");
    });

    it("may not carry unknown fields", async () => {
      const response = await api().call(route.method, route.resource, {
        ...options,
        body: { surprise: true },
      });
      expect(response.status).toBe(400);
    });
  },
);

describe.each(LIST_ROUTES.map((route) => [`${route.method} ${route.resource}`, route] as const))(
  "paging %s",
  (_, route) => {
    it("refuses limits outside 1–100 and non-integers with 400", async () => {
      for (const limit of ["0", "101", "-1", "1.5", "abc", "", "1e2"]) {
        const response = await api().call(route.method, route.resource, {
          caller: users.admin,
          pathParameters: SAMPLE_PARAMETERS,
          query: { limit },
        });
        expect(response.status, `limit=${limit}`).toBe(400);
      }
    });
  },
);

describe("paging cursors", () => {
  it("are refused with 400 when tampered with or taken from another list", async () => {
    const { call } = api();
    await saveProfile(call, users.alice);
    const itemA = { itemId: "/cursor/a" };
    for (let i = 0; i < 3; i++) {
      await call("POST", "/comments/{itemId}", { pathParameters: itemA, body: { commentText: `A${i}` } });
    }
    const first = await call("GET", "/comments/{itemId}", { pathParameters: itemA, query: { limit: "1" } });
    expect(first.status).toBe(200);
    const cursor: string = first.body.nextCursor;
    expect(cursor).toEqual(expect.any(String));

    const foreign = await call("GET", "/comments/{itemId}", {
      pathParameters: { itemId: "/cursor/b" },
      query: { cursor },
    });
    expect(foreign.status).toBe(400);
    const otherKind = await call("GET", "/profile/{userId}/comments", {
      pathParameters: { userId: users.alice.userId },
      query: { cursor },
    });
    expect(otherKind.status).toBe(400);
    const [payload, signature] = cursor.split(".");
    const tamperedPayload = Buffer.from(
      JSON.stringify({ itemId: "/cursor/a", commentId: "00000000000000000000000000" }),
    ).toString("base64url");
    for (const bad of [
      `${tamperedPayload}.${signature}`,
      `${payload}.x${signature}`,
      "garbage",
      `${cursor}.x`,
    ]) {
      const response = await call("GET", "/comments/{itemId}", {
        pathParameters: itemA,
        query: { cursor: bad },
      });
      expect(response.status, bad).toBe(400);
    }
  });
});

describe("responses", () => {
  it("carry CORS headers for an allowed origin, and never allow a foreign one", async () => {
    const allowed = await api().call("GET", "/messages/conversations", {
      headers: { Origin: "http://localhost:5173" },
    });
    expect(allowed.headers["Access-Control-Allow-Origin"]).toBe("http://localhost:5173");
    expect(allowed.headers.Vary).toBe("Origin");
    expect(allowed.headers["Access-Control-Allow-Headers"]).toContain("Authorization");
    const foreign = await api().call("GET", "/messages/conversations", {
      headers: { Origin: "https://evil.example" },
    });
    expect(foreign.status).toBe(200);
    expect(foreign.headers["Access-Control-Allow-Origin"]).toBe(ALLOWED_ORIGIN);
  });

  it("answer a CORS preflight without a token", async () => {
    const handler = areaHandler("comments", api().deps);
    const preflight = apiEvent(
      { method: "OPTIONS" as "GET", resource: "/comments/{itemId}" },
      { caller: null, pathParameters: { itemId: "/x" } },
    );
    const response = await handler(preflight, lambdaContext());
    expect(response.statusCode).toBe(204);
    expect(response.headers?.["Access-Control-Allow-Origin"]).toBe(ALLOWED_ORIGIN);
    expect(response.headers?.["Access-Control-Allow-Methods"]).toContain("PUT");
  });

  it("are JSON with markup characters escaped", async () => {
    const response = await api().call("GET", "/comments/{itemId}", {
      pathParameters: { itemId: "/<b>item</b>" },
    });
    expect(response.status).toBe(200);
    expect(response.headers["Content-Type"]).toMatch(/^application\/json/);
    const unknown = await api().call("GET", "/profile/{userId}", { pathParameters: { userId: "<script>" } });
    expect(unknown.status).toBe(404);
    expect(unknown.raw.body).not.toMatch(/[<>]/);
  });

  it("accept base64-encoded bodies", async () => {
    const body = Buffer.from(JSON.stringify({ commentText: "encoded" })).toString("base64");
    const response = await api().call("POST", "/comments/{itemId}", {
      pathParameters: { itemId: "/base64" },
      body,
      isBase64Encoded: true,
    });
    expect(response.status).toBe(201);
    expect(response.body.commentText).toBe("encoded");
  });
});

/** Everything written to stdout/stderr while `action` runs, as parsed JSON log lines. */
async function captureLogs(action: () => Promise<unknown>): Promise<Record<string, unknown>[]> {
  const lines: string[] = [];
  const capture = (chunk: unknown) => {
    lines.push(String(chunk));
    return true;
  };
  const out = vi.spyOn(process.stdout, "write").mockImplementation(capture);
  const err = vi.spyOn(process.stderr, "write").mockImplementation(capture);
  try {
    await action();
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
  return lines
    .flatMap((chunk) => chunk.split("\n"))
    .filter((line) => line.startsWith("{"))
    .map((line) => JSON.parse(line));
}

describe("faults and logs", () => {
  const verboseLogger = () => new Logger({ serviceName: "hearth-api-test", logLevel: "INFO" });

  it("answers an unexpected fault with a generic 500 and logs the detail", async () => {
    const { db } = api();
    // Tables that do not exist: a real fault from the real engine.
    const repositories = createRepositories({
      doc: db.doc,
      tables: tableNamesWithPrefix("missing-"),
      cursors: db.cursors,
    });
    const call = invoker(testDependencies(db, { repositories, logger: verboseLogger() }));
    let response: Awaited<ReturnType<typeof call>> | undefined;
    const logs = await captureLogs(async () => {
      response = await call("GET", "/profile/{userId}", { pathParameters: { userId: users.bob.userId } });
    });
    expect(response?.status).toBe(500);
    expect(response?.body).toEqual({ error: { code: "INTERNAL_ERROR", message: expect.any(String) } });
    expect(response?.raw.body).not.toMatch(/missing-|dynamo|resource|stack/i);
    const failure = logs.find((log) => log.level === "ERROR");
    expect(failure).toMatchObject({ route: "GET /profile/{userId}", statusCode: 500 });
    expect(JSON.stringify(failure)).toMatch(/ResourceNotFound|non-existent table|missing/i);
  });

  it("answers a throttled database with 429 and Retry-After", async () => {
    const { db } = api();
    const doc = createDocumentClient({ stage: "test", endpoint: "http://127.0.0.1:9" });
    // DynamoDB Local never throttles: inject the SDK error a busy table produces.
    doc.middlewareStack.add(
      () => async () => {
        throw Object.assign(new Error("Rate of requests exceeds the allowed throughput."), {
          name: "ProvisionedThroughputExceededException",
          $metadata: {},
        });
      },
      { step: "initialize", name: "throttleEverything" },
    );
    const repositories = createRepositories({ doc, tables: db.tables, cursors: db.cursors });
    const call = invoker(testDependencies(db, { repositories }));
    const response = await call("GET", "/profile/{userId}", { pathParameters: { userId: users.bob.userId } });
    expect(response.status).toBe(429);
    expect(response.headers["Retry-After"]).toBe("1");
    expect(response.raw.body).not.toMatch(/throughput/i);
  });

  it("logs the request id and route, never the token or the body", async () => {
    const { db } = api();
    const call = invoker(testDependencies(db, { logger: verboseLogger() }));
    const secretText = "a very private family secret";
    const event = apiEvent(
      { method: "POST", resource: "/comments/{itemId}" },
      { pathParameters: { itemId: "/logs" }, body: { commentText: secretText } },
    );
    const handler = areaHandler("comments", testDependencies(db, { logger: verboseLogger() }));
    let status = 0;
    const logs = await captureLogs(async () => {
      status = toApiResponse(await handler(event, lambdaContext())).status;
      await call("PUT", "/profile", { body: { displayName: secretText, bio: 42 } });
    });
    expect(status).toBe(201);
    const handled = logs.find((log) => log.statusCode === 201);
    expect(handled).toMatchObject({
      requestId: event.requestContext.requestId,
      route: "POST /comments/{itemId}",
      userId: users.alice.userId,
    });
    expect(logs.find((log) => log.statusCode === 400)).toMatchObject({ route: "PUT /profile" });
    const everything = JSON.stringify(logs);
    expect(everything).not.toContain(FAKE_TOKEN);
    expect(everything).not.toContain(secretText);
  });
});
