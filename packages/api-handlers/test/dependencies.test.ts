import { pathToFileURL } from "node:url";
import { ConfigurationError, DEFAULT_RATE_LIMITS, deleteTables, tableEnvironment } from "@hearth/domain";
import { createTestDatabase, type TestDatabase } from "@hearth/domain/testing";
import { afterAll, afterEach, beforeAll, describe, expect, inject, it, vi } from "vitest";
import {
  allowedOriginsFromEnv,
  apiDependenciesFromEnv,
  baseApiDependenciesFromEnv,
  createObjectUrlSigner,
} from "../src/dependencies.js";
import { API_MANIFESTS } from "../src/functions.js";
import { API_AREAS } from "../src/routes.js";
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

describe("apiDependenciesFromEnv", () => {
  it("builds working dependencies from the environment", async () => {
    const deps = apiDependenciesFromEnv(localEnv());
    expect(deps.objectUrls.bucket).toBe("hearth-local-attachments");
    expect(deps.allowedOrigins).toEqual(["https://archive.example.org", "http://localhost:5173"]);
    // A local S3 is addressed path-style, on its own endpoint.
    const url = new URL(await deps.objectUrls.presignGet("attachments/u/1/a.txt", { expiresIn: 60 }));
    expect(url.origin).toBe("http://127.0.0.1:4569");
    expect(url.pathname).toBe("/hearth-local-attachments/attachments/u/1/a.txt");
    const saved = await deps.repositories.profiles.upsert("user-from-env", { displayName: "Env" });
    expect((await db.repositories.profiles.get("user-from-env"))?.displayName).toBe(saved.displayName);
  });

  it("refuses local endpoints in production", () => {
    expect(() => apiDependenciesFromEnv(localEnv({ STAGE: "prod", DYNAMODB_ENDPOINT: "" }))).toThrow(
      ConfigurationError,
    );
    expect(() => apiDependenciesFromEnv(localEnv({ STAGE: "production", S3_ENDPOINT: "" }))).toThrow(
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
    expect(() => apiDependenciesFromEnv(localEnv({ ATTACHMENTS_BUCKET: "" }))).toThrow(/ATTACHMENTS_BUCKET/);
    // A function is told only its own tables: none at all is refused at start-up.
    const withoutTables = Object.fromEntries(
      Object.entries(localEnv()).filter(([name]) => !name.endsWith("_TABLE")),
    );
    expect(() => apiDependenciesFromEnv(withoutTables)).toThrow(/COMMENTS_TABLE/);
    expect(() =>
      apiDependenciesFromEnv(
        localEnv({ STAGE: "prod", DYNAMODB_ENDPOINT: "", S3_ENDPOINT: "", CURSOR_SECRET: "" }),
      ),
    ).toThrow(/CURSOR_SECRET/);
    expect(() =>
      apiDependenciesFromEnv(localEnv({ RATE_LIMITS: JSON.stringify({ comments: { limit: -1 } }) })),
    ).toThrow(/RATE_LIMITS is not valid: comments\.limit/);
  });

  it("takes the default rate limits, or the kinds RATE_LIMITS changes", () => {
    expect(apiDependenciesFromEnv(localEnv({})).rateLimits).toEqual(DEFAULT_RATE_LIMITS);
    const changed = apiDependenciesFromEnv(
      localEnv({ RATE_LIMITS: JSON.stringify({ uploads: { limit: 2, windowSeconds: 600 } }) }),
    );
    expect(changed.rateLimits).toEqual({ ...DEFAULT_RATE_LIMITS, uploads: { limit: 2, windowSeconds: 600 } });
  });

  it("builds the base dependencies (no storage) without a bucket", async () => {
    const deps = baseApiDependenciesFromEnv(localEnv({ ATTACHMENTS_BUCKET: "", S3_ENDPOINT: "" }));
    expect(Object.keys(deps).sort()).toEqual([
      "allowedOrigins",
      "idempotency",
      "logger",
      "metrics",
      "newId",
      "now",
      "rateLimits",
      "refreshCursorKeys",
      "repositories",
      "tracer",
      "unsubscribeTokens",
    ]);
    // Locally the keys come from CURSOR_SECRET: no Secrets Manager call is made.
    await expect(deps.refreshCursorKeys()).resolves.toBeUndefined();
    // The refresh loads the unsubscribe key too (derived from the same secret).
    const token = deps.unsubscribeTokens.issue("user-from-base-env", "comment", new Date());
    expect(deps.unsubscribeTokens.verify(token, new Date()).userId).toBe("user-from-base-env");
    // Outside Lambda the tracer is off: the captured clients still reach DynamoDB Local.
    expect(deps.tracer.isTracingEnabled()).toBe(false);
    await deps.repositories.profiles.upsert("user-from-base-env", { displayName: "Base" });
    expect((await db.repositories.profiles.get("user-from-base-env"))?.displayName).toBe("Base");
  });

  it("reads no allowed origins as an empty list", () => {
    expect(allowedOriginsFromEnv({})).toEqual([]);
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
