import { pathToFileURL } from "node:url";
import { ConfigurationError, deleteTables, tableEnvironment } from "@hearth/domain";
import { createTestDatabase, type TestDatabase } from "@hearth/domain/testing";
import { afterAll, afterEach, beforeAll, describe, expect, inject, it, vi } from "vitest";
import {
  allowedOriginsFromEnv,
  apiDependenciesFromEnv,
  baseApiDependenciesFromEnv,
  s3SignerOptions,
} from "../src/dependencies.js";
import { API_AREAS, API_HANDLER_ENTRIES } from "../src/routes.js";
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
    ...extra,
  };
}

describe("apiDependenciesFromEnv", () => {
  it("builds working dependencies from the environment", async () => {
    const deps = apiDependenciesFromEnv(localEnv());
    expect(deps.attachmentsBucket).toBe("hearth-local-attachments");
    expect(deps.allowedOrigins).toEqual(["https://archive.example.org", "http://localhost:5173"]);
    const url = new URL(
      await deps.s3.presignPut({
        bucket: deps.attachmentsBucket,
        key: "attachments/u/1/a.png",
        contentType: "image/png",
        contentLength: 1,
        expiresInSeconds: 60,
      }),
    );
    // The local S3 is addressed path-style, with s3rver's key pair.
    expect(url.host).toBe("127.0.0.1:4569");
    expect(url.pathname).toBe("/hearth-local-attachments/attachments/u/1/a.png");
    expect(url.searchParams.get("X-Amz-Credential")).toMatch(/^S3RVER\/\d{8}\/eu-west-1\/s3\/aws4_request$/);
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
    expect(() => s3SignerOptions({ stage: "prod", endpoint: "http://127.0.0.1:4569" })).toThrow(
      /S3_ENDPOINT/,
    );
  });

  it("uses the SDK's default credentials and region without a local endpoint", () => {
    const options = s3SignerOptions({ stage: "prod", region: "eu-west-1" });
    expect(options).toEqual({ region: "eu-west-1", credentials: expect.any(Function) });
    expect(() => s3SignerOptions({ stage: "prod" })).toThrow(/AWS_REGION/);
  });

  it("fails at start-up when a setting is missing", () => {
    expect(() => apiDependenciesFromEnv(localEnv({ ATTACHMENTS_BUCKET: "" }))).toThrow(/ATTACHMENTS_BUCKET/);
    expect(() => apiDependenciesFromEnv(localEnv({ COMMENTS_TABLE: "" }))).toThrow(/COMMENTS_TABLE/);
    expect(() =>
      apiDependenciesFromEnv(
        localEnv({ STAGE: "prod", DYNAMODB_ENDPOINT: "", S3_ENDPOINT: "", CURSOR_SECRET: "" }),
      ),
    ).toThrow(/CURSOR_SECRET/);
  });

  it("builds the base dependencies (areas that do not upload) with no S3 client or bucket", async () => {
    const deps = baseApiDependenciesFromEnv(localEnv({ ATTACHMENTS_BUCKET: "", S3_ENDPOINT: "" }));
    expect(Object.keys(deps).sort()).toEqual([
      "allowedOrigins",
      "idempotency",
      "logger",
      "newId",
      "now",
      "repositories",
    ]);
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
      const module = (await import(pathToFileURL(API_HANDLER_ENTRIES[area]).href)) as {
        handler: (...args: unknown[]) => Promise<unknown>;
      };
      expect(module.handler, area).toBeTypeOf("function");
    }
    const profileModule = await import(pathToFileURL(API_HANDLER_ENTRIES.profile).href);
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
