import { describe, expect, it } from "vitest";
import { useTestApi } from "./helpers.js";

const api = useTestApi("comment-versions");

async function postComment(itemId: string, commentText: string) {
  const response = await api().call("POST", "/comments/{itemId}", {
    pathParameters: { itemId },
    body: { commentText },
  });
  expect(response.status).toBe(201);
  return response.body as { commentId: string; version: number };
}

const edit = (itemId: string, commentId: string, commentText: string, headers: Record<string, string> = {}) =>
  api().call("PUT", "/comments/{itemId}/{commentId}", {
    pathParameters: { itemId, commentId },
    body: { commentText },
    headers,
  });

async function stored(itemId: string) {
  const listed = await api().call("GET", "/comments/{itemId}", { pathParameters: { itemId } });
  return listed.body.comments[0];
}

describe("PUT /comments/{itemId}/{commentId} with If-Match", () => {
  it("edits when If-Match names the current version, in any of its forms, and answers the next one", async () => {
    const { commentId, version } = await postComment("/versions", "v0");
    expect(version).toBe(1);
    for (const [value, expected] of [
      ["1", 2],
      ['"2"', 3],
      ['W/"3"', 4],
      ["*", 5],
    ] as const) {
      const response = await edit("/versions", commentId, `after ${value}`, { "If-Match": value });
      expect(response.status, value).toBe(200);
      expect(response.body.version).toBe(expected);
    }
    const lowerCase = await edit("/versions", commentId, "lower", { "if-match": "5" });
    expect(lowerCase.body).toMatchObject({ version: 6, commentText: "lower" });
    expect(await stored("/versions")).toMatchObject({ version: 6, commentText: "lower" });
  });

  it("answers 409 CONFLICT for a stale version and leaves the newer edit in place", async () => {
    const { commentId } = await postComment("/versions-stale", "v0");
    expect((await edit("/versions-stale", commentId, "theirs", { "If-Match": "1" })).status).toBe(200);
    const mine = await edit("/versions-stale", commentId, "mine", { "If-Match": "1" });
    expect(mine.status).toBe(409);
    expect(mine.body).toEqual({
      error: {
        code: "CONFLICT",
        message: "The comment has changed since you loaded it; load it again and retry",
      },
    });
    expect(await stored("/versions-stale")).toMatchObject({
      commentText: "theirs",
      version: 2,
      editHistory: [expect.objectContaining({ text: "v0" })],
    });
  });

  it.each(["0", "abc", "1, 2", '"<script>alert(1)</script>"', "-3", "99999999999"])(
    "refuses If-Match %s with 400, echoing nothing, and changes nothing",
    async (value) => {
      const { commentId } = await postComment("/versions-bad", "keep");
      const response = await edit("/versions-bad", commentId, "changed", { "If-Match": value });
      expect(response.status).toBe(400);
      expect(response.body).toEqual({
        error: { code: "INVALID_INPUT", message: 'If-Match must be the version being edited, such as "3"' },
      });
      const comments = await api().call("GET", "/comments/{itemId}", {
        pathParameters: { itemId: "/versions-bad" },
      });
      const comment = comments.body.comments.find((c: { commentId: string }) => c.commentId === commentId);
      expect(comment).toMatchObject({ commentText: "keep", version: 1 });
    },
  );

  it("lets every one of 20 parallel edits without If-Match through", async () => {
    const { commentId } = await postComment("/versions-race", "v0");
    const responses = await Promise.all(
      Array.from({ length: 20 }, (_, i) => edit("/versions-race", commentId, `e${i}`)),
    );
    expect(responses.map((response) => response.status)).toEqual(responses.map(() => 200));
    expect(new Set(responses.map((response) => response.body.version))).toEqual(
      new Set(Array.from({ length: 20 }, (_, i) => i + 2)),
    );
    const final = await stored("/versions-race");
    expect(final.version).toBe(21);
    expect(final.editHistory).toHaveLength(5);
  });
});
