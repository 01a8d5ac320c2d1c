import { readFileSync } from "node:fs";
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { OPENAPI_FILE } from "@hearth/api-handlers/openapi-file";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { API_TYPES_FILE, apiTypesSource } from "../bin/api-types-source.js";
import { createHearthClient, HearthApiError } from "../src/index.js";

describe("the generated API types", () => {
  it("are committed exactly as the OpenAPI document generates them (run `pnpm openapi`)", async () => {
    const document = JSON.parse(readFileSync(OPENAPI_FILE, "utf8")) as Record<string, unknown>;
    expect(readFileSync(API_TYPES_FILE, "utf8")).toBe(await apiTypesSource(document));
  });
});

/** A stand-in API over real HTTP that records what the client sent. */
describe("createHearthClient", () => {
  const received: { method: string; url: string; authorization: string | undefined; body: string }[] = [];
  let apiUrl = "";
  const server = createServer(async (request: IncomingMessage, response) => {
    let body = "";
    for await (const chunk of request) body += chunk;
    received.push({
      method: request.method ?? "",
      url: request.url ?? "",
      authorization: request.headers.authorization,
      body,
    });
    if (request.url?.startsWith("/comments/")) {
      response.writeHead(200, { "Content-Type": "application/json" });
      response.end(JSON.stringify({ comments: [], nextCursor: null }));
    } else if (request.url === "/messages/upload") {
      response.writeHead(403, { "Content-Type": "application/json" });
      response.end(
        JSON.stringify({ error: { code: "FORBIDDEN", message: "Only family members may do that" } }),
      );
    } else {
      response.writeHead(502, { "Content-Type": "text/html" });
      response.end("<html>Bad gateway</html>");
    }
  });

  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    apiUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it("sends the current ID token as a bearer token, percent-encodes path parameters and returns the body", async () => {
    let calls = 0;
    const hearth = createHearthClient({ apiUrl, idToken: async () => `token-${++calls}` });
    const page = await hearth.GET("/comments/{itemId}", {
      params: { path: { itemId: "/2015/christmas" }, query: { limit: 5 } },
    });
    expect(page).toEqual({ comments: [], nextCursor: null });
    await hearth.GET("/comments/{itemId}", { params: { path: { itemId: "x" } } });
    expect(received.slice(-2).map(({ url, authorization }) => ({ url, authorization }))).toEqual([
      { url: "/comments/%2F2015%2Fchristmas?limit=5", authorization: "Bearer token-1" },
      { url: "/comments/x", authorization: "Bearer token-2" },
    ]);
  });

  it("rejects with a HearthApiError carrying the status and error.code", async () => {
    const hearth = createHearthClient({ apiUrl, idToken: async () => "token" });
    const failure = hearth.POST("/messages/upload", {
      body: { filename: "a.txt", contentType: "text/plain", size: 1 },
    });
    await expect(failure).rejects.toBeInstanceOf(HearthApiError);
    await expect(failure).rejects.toMatchObject({
      status: 403,
      code: "FORBIDDEN",
      message: "Only family members may do that",
    });
    expect(received.at(-1)).toMatchObject({
      method: "POST",
      body: JSON.stringify({ filename: "a.txt", contentType: "text/plain", size: 1 }),
    });
  });

  it("reports an answer without the API's error shape as UNEXPECTED_RESPONSE, and sends no token when there is none", async () => {
    const hearth = createHearthClient({ apiUrl, idToken: async () => undefined });
    await expect(
      hearth.PUT("/messages/conversations/{conversationId}/read", {
        params: { path: { conversationId: "c1" } },
      }),
    ).rejects.toMatchObject({ status: 502, code: "UNEXPECTED_RESPONSE" });
    expect(received.at(-1)?.authorization).toBeUndefined();
  });
});
