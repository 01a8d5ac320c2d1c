import { describe, expect, it } from "vitest";
import { collectPages, saveProfile, type TestUser, users, useTestApi } from "./helpers.js";
import { looksLikeMarkup, XSS_PAYLOADS } from "./xss.js";

const api = useTestApi("comments");

const ITEM = "/2015/christmas";
const MISSING_COMMENT = "01JZZZZZZZZZZZZZZZZZZZZZZZ";

async function postComment(itemId: string, commentText: string, caller: TestUser = users.alice) {
  const response = await api().call("POST", "/comments/{itemId}", {
    caller,
    pathParameters: { itemId },
    body: { commentText },
  });
  if (response.status !== 201) throw new Error(`Posting failed: ${response.raw.body}`);
  return response.body as { itemId: string; commentId: string; commentText: string };
}

const editComment = (
  itemId: string,
  commentId: string,
  commentText: unknown,
  caller: TestUser = users.alice,
) =>
  api().call("PUT", "/comments/{itemId}/{commentId}", {
    caller,
    pathParameters: { itemId, commentId },
    body: { commentText },
  });

const deleteComment = (itemId: string, commentId: string, caller: TestUser = users.alice) =>
  api().call("DELETE", "/comments/{itemId}/{commentId}", { caller, pathParameters: { itemId, commentId } });

const adminDelete = (commentId: string, caller: TestUser = users.admin) =>
  api().call("DELETE", "/admin/comments/{commentId}", { caller, pathParameters: { commentId } });

async function listAll(itemId: string) {
  const { items } = await collectPages<{ commentId: string; commentText: string }>(
    api().call,
    "GET",
    "/comments/{itemId}",
    "comments",
    { pathParameters: { itemId }, limit: 100 },
  );
  return items;
}

describe("POST /comments/{itemId}", () => {
  it("stores the comment under the decoded item id with the author's profile name and photo", async () => {
    const { call } = api();
    await saveProfile(call, users.alice, { profilePhotoUrl: "https://photos.example.org/alice.jpg" });
    const response = await call("POST", "/comments/{itemId}", {
      pathParameters: { itemId: ITEM },
      body: { commentText: "  What a tree!  ", itemTitle: "Christmas 2015" },
    });
    expect(response.status).toBe(201);
    expect(response.body).toEqual({
      itemId: ITEM,
      commentId: expect.stringMatching(/^[0-9A-Z]{26}$/),
      userId: users.alice.userId,
      userName: users.alice.name,
      userPhotoUrl: "https://photos.example.org/alice.jpg",
      commentText: "What a tree!",
      itemTitle: "Christmas 2015",
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
      isEdited: false,
      editHistory: [],
      reactionCount: 0,
      reactionCounts: { like: 0, love: 0, laugh: 0, wow: 0, sad: 0 },
      version: 1,
      viewerHasReacted: false,
      mentions: [],
      viewerReaction: null,
      replyTo: null,
      threadId: null,
      replyCount: 0,
      deleted: false,
      deletedAt: null,
    });
    const stored = await api().db.repositories.comments.get(ITEM, response.body.commentId);
    expect(stored?.itemId).toBe("/2015/christmas");
  });

  it("falls back to the token's name, then the email's local part, without a profile", async () => {
    const named = { ...users.carol, userId: "user-named", name: "Nora Named" };
    const unnamed = { ...users.carol, userId: "user-unnamed", email: "quiet.person@example.org" };
    const { call } = api();
    const first = await call("POST", "/comments/{itemId}", {
      caller: named,
      pathParameters: { itemId: "/fallback" },
      body: { commentText: "hi" },
    });
    expect(first.body).toMatchObject({ userName: "Nora Named", userPhotoUrl: null, itemTitle: null });
    const second = await call("POST", "/comments/{itemId}", {
      caller: unnamed,
      pathParameters: { itemId: "/fallback" },
      body: { commentText: "hi" },
    });
    expect(second.body.userName).toBe("quiet.person");
  });

  it.each(XSS_PAYLOADS)("never returns %s as markup", async (payload) => {
    const created = await postComment("/xss", `Look ${payload}`);
    expect(created.commentText).toMatch(/^Look/);
    expect(looksLikeMarkup(created.commentText)).toBe(false);
    const edited = await editComment("/xss", created.commentId, `Again ${payload}`);
    expect(edited.status).toBe(200);
    expect(looksLikeMarkup(edited.body.commentText)).toBe(false);
    const listed = await listAll("/xss");
    for (const comment of listed) expect(looksLikeMarkup(comment.commentText)).toBe(false);
  });

  it.each([
    ["empty text", { commentText: "" }],
    ["whitespace only", { commentText: "   \n " }],
    ["nothing left after removing markup", { commentText: "<script>alert(1)</script><b></b>" }],
    ["2001 characters", { commentText: "x".repeat(2001) }],
    ["text as a number", { commentText: 42 }],
    ["text as an array", { commentText: ["a"] }],
    ["text missing", { itemTitle: "t" }],
    ["title as a boolean", { commentText: "ok", itemTitle: true }],
    ["an unknown field", { commentText: "ok", userId: users.bob.userId }],
  ])("refuses %s with 400 and stores nothing", async (_, body) => {
    const itemId = "/refused";
    const response = await api().call("POST", "/comments/{itemId}", { pathParameters: { itemId }, body });
    expect(response.status).toBe(400);
    expect(await listAll(itemId)).toEqual([]);
  });

  it("accepts exactly 2000 characters of text", async () => {
    const created = await postComment("/long", "y".repeat(2000));
    expect(created.commentText).toHaveLength(2000);
  });

  it("refuses a badly encoded, empty or control-character item id with 400", async () => {
    for (const itemId of ["%E0%A4%A", "%", "%20%20", "a%00b"]) {
      const response = await api().call("POST", "/comments/{itemId}", {
        encodedPathParameters: { itemId },
        body: { commentText: "hi" },
      });
      expect(response.status, itemId).toBe(400);
    }
  });

  it("decodes the item id exactly once", async () => {
    const response = await api().call("POST", "/comments/{itemId}", {
      encodedPathParameters: { itemId: "%2F100%2525" },
      body: { commentText: "hi" },
    });
    expect(response.body.itemId).toBe("/100%25");
  });
});

describe("GET /comments/{itemId}", () => {
  it("lists an item's comments oldest first, page by page, leaving out deleted ones", async () => {
    const itemId = "/paged";
    const posted = [];
    for (let i = 0; i < 7; i++)
      posted.push(await postComment(itemId, `c${i}`, i % 2 ? users.bob : users.alice));
    await deleteComment(itemId, posted[3]!.commentId, users.bob);
    const { items, pages } = await collectPages<{ commentText: string }>(
      api().call,
      "GET",
      "/comments/{itemId}",
      "comments",
      { pathParameters: { itemId }, limit: 2 },
    );
    expect(items.map((c) => c.commentText)).toEqual(["c0", "c1", "c2", "c4", "c5", "c6"]);
    expect(pages).toBe(3);
  });

  it("answers an item without comments with an empty list", async () => {
    const response = await api().call("GET", "/comments/{itemId}", { pathParameters: { itemId: "/quiet" } });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ comments: [], nextCursor: null });
  });
});

describe("viewerHasReacted on comments", () => {
  const like = (commentId: string, caller: TestUser) =>
    api().call("POST", "/reactions/{commentId}", { caller, pathParameters: { commentId } });

  it("tells each caller whether they liked each comment, in lists, a user's history and edits", async () => {
    const { call } = api();
    const itemId = "/viewer-state";
    await saveProfile(call, users.alice);
    const first = await postComment(itemId, "first");
    const second = await postComment(itemId, "second");
    await like(first.commentId, users.bob);
    await like(second.commentId, users.alice);
    const stateOf = (comments: { commentId: string; viewerHasReacted: boolean }[]) =>
      comments.map((comment) => [comment.commentId, comment.viewerHasReacted]);

    const asBob = await call("GET", "/comments/{itemId}", { caller: users.bob, pathParameters: { itemId } });
    expect(stateOf(asBob.body.comments)).toEqual([
      [first.commentId, true],
      [second.commentId, false],
    ]);
    const asAlice = await call("GET", "/comments/{itemId}", {
      caller: users.alice,
      pathParameters: { itemId },
    });
    expect(stateOf(asAlice.body.comments)).toEqual([
      [first.commentId, false],
      [second.commentId, true],
    ]);
    const history = await call("GET", "/profile/{userId}/comments", {
      caller: users.bob,
      pathParameters: { userId: users.alice.userId },
      query: { limit: "2" },
    });
    expect(stateOf(history.body.comments)).toEqual([
      [second.commentId, false],
      [first.commentId, true],
    ]);
    const edited = await editComment(itemId, second.commentId, "second, edited");
    expect(edited.body).toMatchObject({ commentText: "second, edited", viewerHasReacted: true });

    // Unliking shows at once.
    await like(first.commentId, users.bob);
    const after = await call("GET", "/comments/{itemId}", { caller: users.bob, pathParameters: { itemId } });
    expect(stateOf(after.body.comments)).toEqual([
      [first.commentId, false],
      [second.commentId, false],
    ]);
  });
});

describe("PUT /comments/{itemId}/{commentId}", () => {
  it("edits the author's own comment and keeps the last five versions", async () => {
    const created = await postComment("/edits", "v0");
    let last: { body: { editHistory: { text: string; editedAt: string }[] } } | undefined;
    for (let i = 1; i <= 7; i++) {
      const response = await editComment("/edits", created.commentId, `v${i}`);
      expect(response.status).toBe(200);
      last = response;
    }
    expect(last?.body).toMatchObject({ commentText: "v7", isEdited: true });
    expect(last?.body.editHistory.map((entry) => entry.text)).toEqual(["v2", "v3", "v4", "v5", "v6"]);
    expect(last?.body.editHistory[0]).toEqual({ text: "v2", editedAt: expect.any(String) });
  });

  it("refuses other members and admins with 403 and leaves the comment as it was", async () => {
    const created = await postComment("/edits-others", "mine");
    for (const caller of [users.bob, users.admin]) {
      const response = await editComment("/edits-others", created.commentId, "theirs", caller);
      expect(response.status).toBe(403);
    }
    expect((await listAll("/edits-others"))[0]?.commentText).toBe("mine");
  });

  it("answers 404 for a missing or deleted comment", async () => {
    expect((await editComment("/edits-missing", MISSING_COMMENT, "x")).status).toBe(404);
    const created = await postComment("/edits-missing", "soon gone");
    await deleteComment("/edits-missing", created.commentId);
    expect((await editComment("/edits-missing", created.commentId, "x")).status).toBe(404);
  });

  it("refuses bad input with 400 and leaves the comment as it was", async () => {
    const created = await postComment("/edits-bad", "keep");
    for (const text of ["", "<i></i>", "z".repeat(2001), 7, null]) {
      expect((await editComment("/edits-bad", created.commentId, text)).status).toBe(400);
    }
    const badId = await editComment("/edits-bad", "not a valid id!", "x");
    expect(badId.status).toBe(400);
    expect((await listAll("/edits-bad"))[0]).toMatchObject({ commentText: "keep", isEdited: false });
  });
});

describe("DELETE /comments/{itemId}/{commentId}", () => {
  it("soft-deletes the author's own comment", async () => {
    const created = await postComment("/deletes", "bye");
    const response = await deleteComment("/deletes", created.commentId);
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ itemId: "/deletes", commentId: created.commentId, deleted: true });
    expect(await listAll("/deletes")).toEqual([]);
    const stored = await api().db.repositories.comments.get("/deletes", created.commentId);
    expect(stored?.deletedBy).toBe(users.alice.userId);
  });

  it("refuses other members and admins with 403 (admins use the admin route)", async () => {
    const created = await postComment("/deletes-others", "stay");
    expect((await deleteComment("/deletes-others", created.commentId, users.bob)).status).toBe(403);
    expect((await deleteComment("/deletes-others", created.commentId, users.admin)).status).toBe(403);
    expect(await listAll("/deletes-others")).toHaveLength(1);
  });

  it("answers 404 for a missing or already deleted comment, and for the wrong item", async () => {
    const created = await postComment("/deletes-twice", "once");
    expect((await deleteComment("/deletes-elsewhere", created.commentId)).status).toBe(404);
    expect((await deleteComment("/deletes-twice", created.commentId)).status).toBe(200);
    expect((await deleteComment("/deletes-twice", created.commentId)).status).toBe(404);
    expect((await deleteComment("/deletes-twice", MISSING_COMMENT)).status).toBe(404);
  });
});

describe("DELETE /admin/comments/{commentId}", () => {
  it("lets an admin soft-delete anyone's comment", async () => {
    const created = await postComment("/moderated", "rude", users.bob);
    const response = await adminDelete(created.commentId);
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({
      itemId: "/moderated",
      commentId: created.commentId,
      deleted: true,
    });
    expect(await listAll("/moderated")).toEqual([]);
    expect((await adminDelete(created.commentId)).status).toBe(404);
  });

  it("refuses members with 403 and leaves the comment", async () => {
    const created = await postComment("/moderated-by-member", "fine", users.bob);
    expect((await adminDelete(created.commentId, users.alice)).status).toBe(403);
    expect((await adminDelete(created.commentId, users.bob)).status).toBe(403);
    expect(await listAll("/moderated-by-member")).toHaveLength(1);
  });

  it("answers 404 for a missing comment and 400 for a malformed id", async () => {
    expect((await adminDelete(MISSING_COMMENT)).status).toBe(404);
    expect((await adminDelete("bad id")).status).toBe(400);
  });
});
