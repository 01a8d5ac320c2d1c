import { pathToFileURL } from "node:url";
import {
  ConfigurationError,
  DEFAULT_RATE_LIMITS,
  deleteTables,
  TABLE_SPECS,
  tableEnvironment,
  tableSpec,
  UnsubscribeTokens,
} from "@hearth/domain";
import { ProfilesRepository } from "@hearth/domain/repositories/profiles";
import { createTestDatabase, type TestDatabase } from "@hearth/domain/testing";
import { createObjectUrlSigner, storageDependenciesFromEnv } from "@hearth/views/storage-dependencies";
import { afterAll, afterEach, beforeAll, describe, expect, inject, it, vi } from "vitest";
import { buildAdminArea } from "../src/areas/admin.build.js";
import { buildCommentsArea } from "../src/areas/comments.build.js";
import { API_FUNCTIONS, API_MANIFESTS } from "../src/functions.js";
import { allowedOriginsFromEnv, apiFunctionBaseFromEnv, rateLimiting } from "../src/request-steps.js";
import { API_AREAS, type ApiArea } from "../src/routes.js";
import { apiEvent, lambdaContext, toApiResponse } from "./helpers.js";

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase(inject("dynamoEndpoint"), "deps");
});
afterAll(async () => {
  await deleteTables(db.client, db.prefix);
  db.client.destroy();
});
afterEach(() => {
  vi.unstubAllEnvs();
});

function localEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    ...tableEnvironment(db.tables),
    STAGE: "dev",
    DYNAMODB_ENDPOINT: inject("dynamoEndpoint"),
    S3_ENDPOINT: "http://127.0.0.1:4569",
    CURSOR_SECRET: "a-cursor-secret-for-these-tests",
    ALLOWED_ORIGINS: "https://archive.example.org, http://localhost:5173/",
    ATTACHMENTS_BUCKET: "hearth-local-attachments",
    AWS_REGION: "eu-west-1",
    LOG_LEVEL: "silent",
    // The admin entry builds its Cognito client at load; nothing here calls it.
    USER_POOL_ID: "eu-west-1_test",
    COGNITO_ENDPOINT: "http://127.0.0.1:9",
    ...extra,
  };
}

describe("the parts an area's builder composes, from the environment", () => {
  it("the base: request steps, and repositories on the function's own tables", async () => {
    // The unsubscribe links' key derives from the cursor secret: it is loaded with the cursor keys.
    const unsubscribeTokens = new UnsubscribeTokens();
    const base = apiFunctionBaseFromEnv(localEnv(), unsubscribeTokens);
    expect(Object.keys(base.steps).sort()).toEqual([
      "allowedOrigins",
      "logger",
      "metrics",
      "now",
      "refreshCursorKeys",
      "revocations",
      "tracer",
    ]);
    expect(base.steps.allowedOrigins).toEqual(["https://archive.example.org", "http://localhost:5173"]);
    // Locally the keys come from CURSOR_SECRET: no Secrets Manager call is made.
    await expect(base.steps.refreshCursorKeys()).resolves.toBeUndefined();
    const token = unsubscribeTokens.issue("user-from-base-env", "comment", new Date());
    expect(unsubscribeTokens.verify(token, new Date()).userId).toBe("user-from-base-env");
    // Outside Lambda the tracer is off: the captured clients still reach DynamoDB Local.
    expect(base.steps.tracer.isTracingEnabled()).toBe(false);
    await new ProfilesRepository(base.repositoryContext).upsert("user-from-base-env", {
      displayName: "Base",
    });
    expect((await db.repositories.profiles.get("user-from-base-env"))?.displayName).toBe("Base");
  });

  it("the files bucket's signer", async () => {
    const { objectUrls } = storageDependenciesFromEnv(localEnv());
    expect(objectUrls.bucket).toBe("hearth-local-attachments");
    // A local S3 is addressed path-style, on its own endpoint.
    const url = new URL(await objectUrls.presignGet("attachments/u/1/a.txt", { expiresIn: 60 }));
    expect(url.origin).toBe("http://127.0.0.1:4569");
    expect(url.pathname).toBe("/hearth-local-attachments/attachments/u/1/a.txt");
  });

  it("refuses local endpoints in production", () => {
    expect(() => buildCommentsArea(localEnv({ STAGE: "prod", DYNAMODB_ENDPOINT: "" }))).toThrow(
      ConfigurationError,
    );
    expect(() => buildCommentsArea(localEnv({ STAGE: "production", S3_ENDPOINT: "" }))).toThrow(
      /DYNAMODB_ENDPOINT/,
    );
    expect(() =>
      createObjectUrlSigner({ stage: "prod", bucket: "b", endpoint: "http://127.0.0.1:4569" }),
    ).toThrow(/S3_ENDPOINT/);
  });

  it("signs for the bucket's regional virtual-hosted address with the credentials Lambda puts in the environment", async () => {
    vi.stubEnv("AWS_ACCESS_KEY_ID", "AKIAFROMLAMBDAENV");
    vi.stubEnv("AWS_SECRET_ACCESS_KEY", "secret-from-lambda-env");
    vi.stubEnv("AWS_SESSION_TOKEN", "session-from-lambda-env");
    const signer = createObjectUrlSigner({ stage: "prod", bucket: "hearth-prod-files", region: "eu-west-1" });
    const url = new URL(await signer.presignGet("profile-photos/u/p.jpg", { expiresIn: 60 }));
    expect(url.origin).toBe("https://hearth-prod-files.s3.eu-west-1.amazonaws.com");
    expect(url.searchParams.get("X-Amz-Credential")).toMatch(
      /^AKIAFROMLAMBDAENV\/\d{8}\/eu-west-1\/s3\/aws4_request$/,
    );
    expect(url.searchParams.get("X-Amz-Security-Token")).toBe("session-from-lambda-env");
    expect(() => createObjectUrlSigner({ stage: "prod", bucket: "b" })).toThrow(/AWS_REGION/);
  });

  it("fails at start-up when a setting is missing", () => {
    expect(() => buildCommentsArea(localEnv({ ATTACHMENTS_BUCKET: "" }))).toThrow(/ATTACHMENTS_BUCKET/);
    const idempotencyTable = tableSpec("IdempotencyRecords").envVar;
    expect(() => buildCommentsArea(localEnv({ [idempotencyTable]: "" }))).toThrow(idempotencyTable);
    // A function is told only its own tables: none at all is refused at start-up.
    const withoutTables = Object.fromEntries(
      Object.entries(localEnv()).filter(([name]) => !name.endsWith("_TABLE")),
    );
    expect(() => buildCommentsArea(withoutTables)).toThrow(/COMMENTS_TABLE/);
    expect(() =>
      buildCommentsArea(
        localEnv({ STAGE: "prod", DYNAMODB_ENDPOINT: "", S3_ENDPOINT: "", CURSOR_SECRET: "" }),
      ),
    ).toThrow(/CURSOR_SECRET/);
    expect(() =>
      buildCommentsArea(localEnv({ RATE_LIMITS: JSON.stringify({ comments: { limit: -1 } }) })),
    ).toThrow(/RATE_LIMITS is not valid: comments\.limit/);
    expect(() => buildAdminArea(localEnv({ USER_POOL_ID: "" }))).toThrow(/USER_POOL_ID/);
  });

  it("takes the default rate limits, or the kinds RATE_LIMITS changes", () => {
    const base = apiFunctionBaseFromEnv(localEnv());
    expect(rateLimiting(base, localEnv({})).rateLimits).toEqual(DEFAULT_RATE_LIMITS);
    const changed = rateLimiting(
      base,
      localEnv({ RATE_LIMITS: JSON.stringify({ uploads: { limit: 2, windowSeconds: 600 } }) }),
    );
    expect(changed.rateLimits).toEqual({ ...DEFAULT_RATE_LIMITS, uploads: { limit: 2, windowSeconds: 600 } });
  });

  it("reads no allowed origins as an empty list", () => {
    expect(allowedOriginsFromEnv({})).toEqual([]);
  });
});

describe("each area's builder", () => {
  /** The environment infra gives `area`'s function: only the tables its manifest names. */
  function manifestEnv(area: ApiArea): NodeJS.ProcessEnv {
    const env = localEnv();
    for (const spec of TABLE_SPECS) {
      if (!(spec.name in API_MANIFESTS[area].tables)) delete env[spec.envVar];
    }
    return env;
  }

  it("starts from only the tables its manifest names (the feed has no idempotency store or rate limits)", () => {
    for (const area of API_AREAS) {
      expect(() => API_FUNCTIONS[area].build(manifestEnv(area)), area).not.toThrow();
    }
  });

  it("serves its routes from that environment alone", async () => {
    await db.repositories.notifications.addForRecipients(["user-feed-env"], {
      sourceEventId: "feed-env-1",
      kind: "comment",
      actor: { userId: "user-someone", displayName: "Someone" },
      itemId: "/feed/env",
      text: "Hello",
      createdAt: new Date().toISOString(),
    });
    const feed = API_FUNCTIONS.feed.build(manifestEnv("feed"));
    const response = toApiResponse(
      await feed(
        apiEvent(
          { method: "GET", resource: "/notifications" },
          { caller: { userId: "user-feed-env", email: "f@example.org", groups: ["ApprovedUsers"] } },
        ),
        lambdaContext(),
      ),
    );
    expect(response.status).toBe(200);
    expect(response.body.notifications).toHaveLength(1);
  });
});

describe("the Lambda entry modules", () => {
  it("each export a handler built from the environment at load", async () => {
    for (const [name, value] of Object.entries(localEnv())) vi.stubEnv(name, value);
    await db.repositories.profiles.upsert("user-entry", { displayName: "Entry" });
    for (const area of API_AREAS) {
      const module = (await import(pathToFileURL(API_MANIFESTS[area].entry).href)) as {
        handler: (...args: unknown[]) => Promise<unknown>;
      };
      expect(module.handler, area).toBeTypeOf("function");
    }
    const profileModule = await import(pathToFileURL(API_MANIFESTS.profile.entry).href);
    const response = toApiResponse(
      await profileModule.handler(
        apiEvent(
          { method: "GET", resource: "/profile/{userId}" },
          { pathParameters: { userId: "user-entry" } },
        ),
        lambdaContext(),
      ),
    );
    expect(response.status).toBe(200);
    expect(response.body.displayName).toBe("Entry");
    expect(response.headers["Access-Control-Allow-Origin"]).toBe("https://archive.example.org");
  });
});
