import { beforeAll, describe, expect, inject, it } from "vitest";
import { readOutputs } from "../src/outputs.js";
import { Outside, type User } from "./client.js";

/**
 * How the API treats the request itself, from outside: bodies must be declared JSON, and
 * a retried POST with the same Idempotency-Key is answered, not done twice.
 */
const outside = new Outside(readOutputs(inject("outputsFile")));
let alice: User;
let bob: User;
const itemId = `/e2e/${outside.runId}/requests`;
const itemPath = `/comments/${encodeURIComponent(itemId)}`;
const commentBody = JSON.stringify({ commentText: "Posted as something other than JSON" });

const commentsOnItem = async () =>
  (await outside.call<{ comments: { commentId: string; userId: string }[] }>("GET", itemPath, { as: alice }))
    .body.comments;

beforeAll(async () => {
  [alice, bob] = await Promise.all([
    outside.signUp("Alice", ["ApprovedUsers"]),
    outside.signUp("Bob", ["ApprovedUsers"]),
  ]);
  for (const user of [alice, bob]) {
    const saved = await outside.call("PUT", "/profile", {
      as: user,
      body: { displayName: `${user.name} E2E` },
    });
    expect(saved.status).toBe(200);
  }
});

describe("request bodies", () => {
  it.each([
    ["text/plain", { "Content-Type": "text/plain" }],
    ["a form", { "Content-Type": "application/x-www-form-urlencoded" }],
    ["multipart", { "Content-Type": "multipart/form-data; boundary=e2e" }],
    ["XML", { "Content-Type": "application/xml" }],
    ["no content type", {}],
  ])("are refused with 415 when sent as %s, and nothing is stored", async (_, headers) => {
    const response = await outside.call("POST", itemPath, { as: alice, rawBody: commentBody, headers });
    expect(response.status).toBe(415);
    expect(response.body).toEqual({ error: { code: "UNSUPPORTED_MEDIA_TYPE", message: expect.any(String) } });
    const profile = await outside.call("PUT", "/profile", { as: alice, rawBody: '{"bio":"x"}', headers });
    expect(profile.status).toBe(415);
    expect(await commentsOnItem()).toEqual([]);
  });

  it("are accepted as application/json with a charset", async () => {
    const response = await outside.call("PUT", "/profile", {
      as: bob,
      rawBody: JSON.stringify({ displayName: "Bob E2E" }),
      headers: { "Content-Type": "application/json; charset=UTF-8" },
    });
    expect(response.status).toBe(200);
  });
});

describe("a POST with an Idempotency-Key", () => {
  it("is done once however often it is sent: the retry gets the same answer and no second comment", async () => {
    const key = `e2e-${outside.runId}-once`;
    const send = () =>
      outside.call<{ commentId: string }>("POST", itemPath, {
        as: alice,
        body: { commentText: "Sent twice, stored once" },
        headers: { "Idempotency-Key": key },
      });
    const first = await send();
    const retry = await send();
    expect(first.status).toBe(201);
    expect(retry.status).toBe(201);
    expect(retry.body).toEqual(first.body);
    expect(retry.headers.get("idempotent-replayed")).toBe("true");
    const comments = await commentsOnItem();
    expect(comments.filter((comment) => comment.commentId === first.body.commentId)).toHaveLength(1);
    expect(comments).toHaveLength(1);
  });

  it("answers 422 IDEMPOTENCY_KEY_REUSED when the key comes back with another body", async () => {
    const key = `e2e-${outside.runId}-reused`;
    const first = await outside.call("POST", itemPath, {
      as: alice,
      body: { commentText: "The first request" },
      headers: { "Idempotency-Key": key },
    });
    expect(first.status).toBe(201);
    const reused = await outside.call("POST", itemPath, {
      as: alice,
      body: { commentText: "Another request under the same key" },
      headers: { "Idempotency-Key": key },
    });
    expect(reused.status).toBe(422);
    expect(reused.body).toEqual({ error: { code: "IDEMPOTENCY_KEY_REUSED", message: expect.any(String) } });
    expect(await commentsOnItem()).toHaveLength(2);
  });

  it("is the caller's own: another member using the same key gets their own comment", async () => {
    const key = `e2e-${outside.runId}-shared`;
    const body = { commentText: "Same words, same key, different people" };
    const alices = await outside.call<{ commentId: string; userId: string }>("POST", itemPath, {
      as: alice,
      body,
      headers: { "Idempotency-Key": key },
    });
    const bobs = await outside.call<{ commentId: string; userId: string }>("POST", itemPath, {
      as: bob,
      body,
      headers: { "Idempotency-Key": key },
    });
    expect(bobs.status).toBe(201);
    expect(bobs.body.userId).toBe(bob.userId);
    expect(bobs.body.commentId).not.toBe(alices.body.commentId);
  });
});
