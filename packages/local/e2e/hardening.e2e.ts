import { findMarkup } from "@hearth/domain/testing/markup";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { readOutputs } from "../src/outputs.js";
import { Outside, type User } from "./client.js";

/**
 * What an outside fuzz run found, checked again from outside: encoded markup,
 * error messages that echoed input, and concurrent edits of one comment.
 */
const outside = new Outside(readOutputs(inject("outputsFile")));
let alice: User;
let bob: User;
const itemPath = `/comments/${encodeURIComponent(`/e2e/${outside.runId}/hardening`)}`;

/** `text` HTML-entity-encoded `times` over, the way the fuzz run sent it (`&amp;amp;…lt;`). */
function encodeTimes(text: string, times: number): string {
  let encoded = text;
  for (let i = 0; i < times; i++) {
    encoded = encoded.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");
  }
  return encoded;
}

beforeAll(async () => {
  [alice, bob] = await Promise.all([
    outside.signUp("Hardy", ["ApprovedUsers"]),
    outside.signUp("Harriet", ["ApprovedUsers"]),
  ]);
  for (const user of [alice, bob]) {
    const saved = await outside.call("PUT", "/profile", { as: user, body: { displayName: user.name } });
    expect(saved.status).toBe(200);
  }
});

describe("hardening", () => {
  it("stores and returns a five-times-encoded <script> comment without a tag", async () => {
    const commentText = `Before ${encodeTimes("<script>alert(document.cookie)</script>", 5)} after`;
    expect(commentText).toContain("&amp;amp;amp;amp;lt;script&amp;amp;amp;amp;gt;");
    const posted = await outside.call<{ commentId: string; commentText: string }>("POST", itemPath, {
      as: alice,
      body: { commentText },
    });
    expect(posted.status).toBe(201);
    expect(posted.body.commentText).toBe("Before  after");
    const listed = await outside.call<{ comments: Array<{ commentId: string; commentText: string }> }>(
      "GET",
      itemPath,
      { as: bob },
    );
    const reRead = listed.body.comments.find((comment) => comment.commentId === posted.body.commentId);
    expect(reRead?.commentText).toBe("Before  after");
    expect(findMarkup(JSON.stringify(listed.body))).toBeUndefined();
  });

  it("stores and returns a nested <img onerror> display name without a tag", async () => {
    const displayName = `Hardy ${encodeTimes(`<b>${encodeTimes("<img src=x onerror=alert(1)>", 3)}</b>`, 4)} Jr`;
    const saved = await outside.call<{ displayName: string }>("PUT", "/profile", {
      as: alice,
      body: { displayName },
    });
    expect(saved.status).toBe(200);
    expect(findMarkup(saved.body.displayName)).toBeUndefined();
    expect(saved.body.displayName).toMatch(/^Hardy .*Jr$/);
    const reRead = await outside.call<{ displayName: string }>("GET", `/profile/${alice.userId}`, {
      as: bob,
    });
    expect(reRead.body.displayName).toBe(saved.body.displayName);
    expect(findMarkup(JSON.stringify(reRead.body))).toBeUndefined();
  });

  it("refuses over-nested input with 400, naming the field, and stores nothing", async () => {
    const commentText = encodeTimes("<script>alert(1)</script> hi", 20);
    const refused = await outside.call("POST", itemPath, { as: alice, body: { commentText } });
    expect(refused.status).toBe(400);
    expect(refused.body).toEqual({
      error: { code: "INVALID_INPUT", message: expect.stringMatching(/^commentText /) },
    });
    const listed = await outside.call<{ comments: unknown[] }>("GET", itemPath, { as: alice });
    expect(listed.body.comments).toHaveLength(1);
  });

  it("names fields in error messages and never echoes a hostile key or participant id", async () => {
    const script = "<script>alert(1)</script>";
    const profile = await outside.call("PUT", "/profile", { as: alice, body: { bio: "x", [script]: 1 } });
    expect(profile.status).toBe(400);
    const conversation = await outside.call("POST", "/messages/conversations", {
      as: alice,
      body: { participantIds: [bob.userId, script], messageText: "hi" },
    });
    expect(conversation.status).toBe(400);
    for (const refused of [profile, conversation]) {
      expect(JSON.stringify(refused.body)).not.toMatch(/script|alert|[<>]/);
    }
  });

  it("lets 6 parallel edits of one comment all succeed, and answers a stale If-Match with 409", async () => {
    // Edits count against the comments rate limit (10 a minute) with the post itself: a member
    // of their own, so the other tests' comments leave this one its whole minute.
    const editor = await outside.signUp("Editor", ["ApprovedUsers"]);
    const parallel = 6;
    const posted = await outside.call<{ commentId: string; version: number }>("POST", itemPath, {
      as: editor,
      body: { commentText: "v0" },
    });
    expect(posted.body.version).toBe(1);
    const commentPath = `${itemPath}/${posted.body.commentId}`;
    const edits = await Promise.all(
      Array.from({ length: parallel }, (_, i) =>
        outside.call<{ version: number }>("PUT", commentPath, { as: editor, body: { commentText: `e${i}` } }),
      ),
    );
    expect(edits.map((edit) => edit.status)).toEqual(edits.map(() => 200));
    expect(edits.map((edit) => edit.body.version).sort((a, b) => a - b)).toEqual(
      Array.from({ length: parallel }, (_, i) => i + 2),
    );
    const stale = await outside.call("PUT", commentPath, {
      as: editor,
      body: { commentText: "late" },
      headers: { "If-Match": '"1"' },
    });
    expect(stale.status).toBe(409);
    expect(stale.body).toMatchObject({ error: { code: "CONFLICT" } });
    const current = await outside.call("PUT", commentPath, {
      as: editor,
      body: { commentText: "final" },
      headers: { "If-Match": `"${parallel + 1}"` },
    });
    expect(current.status).toBe(200);
    expect(current.body).toMatchObject({ version: parallel + 2, commentText: "final" });
    expect((current.body as { editHistory: unknown[] }).editHistory).toHaveLength(5);
  });
});
