import { tableEnvironment, tableNamesWithPrefix } from "@hearth/domain";
import { type StalledServer, startStalledServer } from "@hearth/domain/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildCommentsArea } from "../src/areas/comments.build.js";
import { findRoute } from "../src/routes.js";
import { apiEvent, lambdaContext, toApiResponse } from "./helpers.js";

const FUNCTION_TIMEOUT_SECONDS = 3;

let stalled: StalledServer;
beforeAll(async () => {
  stalled = await startStalledServer();
});
afterAll(async () => {
  await stalled.close();
});

/** The comments function as its Lambda entry builds it, pointed at a DynamoDB that never answers. */
function stalledCommentsFunction() {
  return buildCommentsArea({
    ...tableEnvironment(tableNamesWithPrefix("stalled-")),
    STAGE: "dev",
    DYNAMODB_ENDPOINT: stalled.endpoint,
    S3_ENDPOINT: "http://127.0.0.1:9",
    ATTACHMENTS_BUCKET: "stalled-attachments",
    CURSOR_SECRET: "a-cursor-secret-for-stalled-tests",
    AWS_REGION: "eu-west-1",
    LOG_LEVEL: "silent",
    FUNCTION_TIMEOUT_SECONDS: String(FUNCTION_TIMEOUT_SECONDS),
  });
}

async function timedCall(method: string, resource: string, options: Parameters<typeof apiEvent>[1]) {
  const handler = stalledCommentsFunction();
  const route = findRoute(method, resource)!;
  const startedAt = Date.now();
  const response = toApiResponse(await handler(apiEvent(route, options), lambdaContext()));
  return { response, elapsedMs: Date.now() - startedAt };
}

describe("a function whose DynamoDB accepts connections and never answers", () => {
  it("answers a read with 503 SERVICE_UNAVAILABLE within its timeout, not a hang", async () => {
    const { response, elapsedMs } = await timedCall("GET", "/comments/{itemId}", {
      pathParameters: { itemId: "/stalled" },
    });
    expect(response.status).toBe(503);
    expect(response.body).toEqual({ error: { code: "SERVICE_UNAVAILABLE", message: expect.any(String) } });
    expect(response.headers["Retry-After"]).toBe("1");
    expect(elapsedMs).toBeLessThan(FUNCTION_TIMEOUT_SECONDS * 1000);
  }, 15_000);

  it("answers an idempotent POST the same way when the idempotency store cannot be reached", async () => {
    const { response, elapsedMs } = await timedCall("POST", "/comments/{itemId}", {
      pathParameters: { itemId: "/stalled" },
      body: { commentText: "Nobody will store this" },
      headers: { "Idempotency-Key": "stalled-1" },
    });
    expect(response.status).toBe(503);
    expect(response.body.error.code).toBe("SERVICE_UNAVAILABLE");
    expect(elapsedMs).toBeLessThan(FUNCTION_TIMEOUT_SECONDS * 1000);
  }, 15_000);
});
