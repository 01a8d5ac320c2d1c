import { GetCommand } from "@aws-sdk/lib-dynamodb";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import { describe, expect, it } from "vitest";
import {
  DEFAULT_FUNCTION_TIMEOUT_SECONDS,
  functionTimeoutFromEnv,
  sdkTimeoutsFor,
} from "../src/aws/timeouts.js";
import { createDocumentClient, dynamoClientOptions, dynamoConfigFromEnv } from "../src/dynamo/client.js";
import { CursorCodec } from "../src/dynamo/cursor.js";
import { ConfigurationError, UnavailableError } from "../src/errors.js";
import { CommentsRepository, ProfilesRepository } from "../src/repositories/index.js";
import { tableNamesWithPrefix } from "../src/tables.js";
import { startStalledServer } from "../src/testing/dynamodb-local.js";

describe("DynamoDB client factory", () => {
  it("uses the SDK's default credential chain and region in production", () => {
    const options = dynamoClientOptions(dynamoConfigFromEnv({ STAGE: "prod" }));
    expect(Object.keys(options).sort()).toEqual(["maxAttempts", "requestHandler"]);
    expect(dynamoClientOptions({ stage: "prod", region: "eu-west-1" })).toMatchObject({
      region: "eu-west-1",
    });
  });

  it("honours DYNAMODB_ENDPOINT outside production", async () => {
    const options = dynamoClientOptions(
      dynamoConfigFromEnv({ STAGE: "dev", DYNAMODB_ENDPOINT: "http://127.0.0.1:8000" }),
    );
    expect(options.endpoint).toBe("http://127.0.0.1:8000");
    const client = createDocumentClient({ stage: "test", endpoint: "http://127.0.0.1:8000" });
    const endpoint = await client.config.endpoint?.();
    expect(endpoint?.hostname).toBe("127.0.0.1");
    client.destroy();
  });

  it("refuses to start when production is given a local endpoint", () => {
    for (const stage of ["prod", "production", "PROD"]) {
      expect(() => createDocumentClient({ stage, endpoint: "http://localhost:8000" })).toThrow(
        ConfigurationError,
      );
    }
    expect(() => dynamoClientOptions({ stage: "prod", endpoint: "http://localhost:8000" })).toThrow(
      /DYNAMODB_ENDPOINT .* production/,
    );
  });
});

describe("SDK timeouts", () => {
  it("fit every attempt of a call, and the back-off between them, inside the function's time", () => {
    for (const seconds of [3, DEFAULT_FUNCTION_TIMEOUT_SECONDS, 30, 60, 900]) {
      const timeouts = sdkTimeoutsFor(seconds);
      // A silent service costs requestTimeout per attempt, plus at most half a second of
      // back-off between attempts; a second at least is left to answer.
      const worstCaseMs = timeouts.maxAttempts * timeouts.requestTimeoutMs + 500;
      expect(worstCaseMs, `${seconds} s`).toBeLessThanOrEqual(seconds * 1000 - 1000);
      expect(timeouts.maxAttempts).toBeGreaterThan(1);
      expect(timeouts.connectionTimeoutMs).toBeGreaterThan(0);
      expect(timeouts.connectionTimeoutMs).toBeLessThanOrEqual(timeouts.requestTimeoutMs);
    }
    expect(sdkTimeoutsFor(10)).toEqual({ connectionTimeoutMs: 1000, requestTimeoutMs: 2666, maxAttempts: 3 });
    expect(sdkTimeoutsFor(60).requestTimeoutMs).toBe(5000);
  });

  it("refuse a function too short for one call and an answer", () => {
    expect(() => sdkTimeoutsFor(2)).toThrow(ConfigurationError);
    expect(() => sdkTimeoutsFor(Number.NaN)).toThrow(ConfigurationError);
  });

  it("read the function's timeout from FUNCTION_TIMEOUT_SECONDS", () => {
    expect(functionTimeoutFromEnv({ FUNCTION_TIMEOUT_SECONDS: "60" })).toBe(60);
    expect(functionTimeoutFromEnv({})).toBe(DEFAULT_FUNCTION_TIMEOUT_SECONDS);
    expect(() => functionTimeoutFromEnv({ FUNCTION_TIMEOUT_SECONDS: "soon" })).toThrow(
      /FUNCTION_TIMEOUT_SECONDS/,
    );
    expect(dynamoConfigFromEnv({ FUNCTION_TIMEOUT_SECONDS: "60" }).functionTimeoutSeconds).toBe(60);
  });

  it("are on the client's HTTP handler", () => {
    const options = dynamoClientOptions({ stage: "dev", endpoint: "http://127.0.0.1:8000" });
    expect(options.requestHandler).toBeInstanceOf(NodeHttpHandler);
    expect(options.maxAttempts).toBe(3);
  });

  it("turn a DynamoDB that accepts connections and never answers into Unavailable, within the function's time", async () => {
    const stalled = await startStalledServer();
    const functionTimeoutSeconds = 3;
    const doc = createDocumentClient({ stage: "test", endpoint: stalled.endpoint, functionTimeoutSeconds });
    const context = {
      doc,
      tables: tableNamesWithPrefix("stalled-"),
      cursors: new CursorCodec("a-cursor-secret-for-stalled-tests"),
    };
    try {
      const startedAt = Date.now();
      await expect(new ProfilesRepository(context).get("someone")).rejects.toBeInstanceOf(UnavailableError);
      expect(Date.now() - startedAt).toBeLessThan(functionTimeoutSeconds * 1000);
      // Every attempt of the budget was made, each on a connection of its own.
      expect(stalled.connections()).toBe(3);
      await expect(new CommentsRepository(context).listByItem("/stalled", {})).rejects.toBeInstanceOf(
        UnavailableError,
      );
      await expect(
        doc.send(new GetCommand({ TableName: "stalled-x", Key: { id: "x" } })),
      ).rejects.toMatchObject({
        name: "TimeoutError",
      });
    } finally {
      doc.destroy();
      await stalled.close();
    }
  }, 15_000);
});
