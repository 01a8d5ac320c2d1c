import { describe, expect, it } from "vitest";
import { collectPages, saveProfile, type TestUser, users, useTestApi } from "./helpers.js";

const api = useTestApi("replies");

const MISSING_COMMENT = "01JZZZZZZZZZZZZZZZZZZZZZZZ";

interface CommentBody {
  commentId: string;
  commentText: string;
  replyTo: string | null;
  threadId: string | null;
  replyCount: number;
  deleted: boolean;
  replies?: CommentBody[];
}

async function post(itemId: string, commentText: string, caller: TestUser, replyTo?: string) {
  const response = await api().call("POST", "/comments/{itemId}", {
    caller,
    pathParameters: { itemId },
    body: { commentText, ...(replyTo ? { replyTo } : {}) },
  });
  if (response.status !== 201) throw new Error(`Posting failed: ${response.raw.body}`);
  return response.body as CommentBody;
}

const listItem = (itemId: string, caller: TestUser = users.alice) =>
  api().call("GET", "/comments/{itemId}", { caller, pathParameters: { itemId } });

const repliesPage = (itemId: string, commentId: string, query: Record<string, string> = {}) =>
  api().call("GET", "/comments/{itemId}/{commentId}/replies", {
    pathParameters: { itemId, commentId },
    query,
  });

async function allReplies(itemId: string, commentId: string) {
  const { items, pages } = await collectPages<CommentBody>(
    api().call,
    "GET",
    "/comments/{itemId}/{commentId}/replies",
    "comments",
    { pathParameters: { itemId, commentId }, limit: 2 },
  );
  return { ids: items.map((c) => c.commentId), pages };
}

describe("Replies", () => {
  it("threads a reply and a reply to a reply under the top comment, listed with its first replies", async () => {
    const itemId = "/1962/letter";
    const ada = await post(itemId, "Who wrote this?", users.alice);
    const ben = await post(itemId, "Grandpa, I think", users.bob, ada.commentId);
    await saveProfile(api().call, users.carol);
    const cy = await post(itemId, "Yes, his hand", users.carol, ben.commentId);
    expect(ben).toMatchObject({ replyTo: ada.commentId, threadId: ada.commentId, replyCount: 0 });
    expect(cy).toMatchObject({ replyTo: ben.commentId, threadId: ada.commentId });
    const list = await listItem(itemId);
    expect(list.status).toBe(200);
    expect(list.body.comments).toHaveLength(1);
    const [top] = list.body.comments as CommentBody[];
    expect(top).toMatchObject({ commentId: ada.commentId, replyCount: 2, threadId: null, replyTo: null });
    expect(top?.replies?.map((r) => [r.commentId, r.replyTo])).toEqual([
      [ben.commentId, ada.commentId],
      [cy.commentId, ben.commentId],
    ]);
    // Replies of a reply are in the thread, not on the reply.
    expect(top?.replies?.[0]).not.toHaveProperty("replies");
    expect(await allReplies(itemId, ada.commentId)).toEqual({ ids: [ben.commentId, cy.commentId], pages: 1 });
    // The profile history shows replies with whom they answer.
    const history = await api().call("GET", "/profile/{userId}/comments", {
      pathParameters: { userId: users.carol.userId },
    });
    expect(history.body.comments[0]).toMatchObject({ commentId: cy.commentId, replyTo: ben.commentId });
  });

  it("shows at most three replies per top comment and pages the thread oldest first", async () => {
    const itemId = "/busy-thread";
    const top = await post(itemId, "Top", users.alice);
    const replies: CommentBody[] = [];
    for (let i = 0; i < 5; i++) replies.push(await post(itemId, `reply ${i}`, users.bob, top.commentId));
    const [shown] = (await listItem(itemId)).body.comments as CommentBody[];
    expect(shown?.replyCount).toBe(5);
    expect(shown?.replies?.map((r) => r.commentText)).toEqual(["reply 0", "reply 1", "reply 2"]);
    expect(await allReplies(itemId, top.commentId)).toEqual({
      ids: replies.map((r) => r.commentId),
      pages: 3,
    });
  });

  it("refuses replyTo on another item with 400, a deleted comment with 400 and a missing one with 404, storing nothing", async () => {
    const other = await post("/elsewhere", "Another item", users.alice);
    const itemId = "/refused";
    const gone = await post(itemId, "Deleted", users.alice);
    await api().call("DELETE", "/comments/{itemId}/{commentId}", {
      pathParameters: { itemId, commentId: gone.commentId },
    });
    const replier = { ...users.bob, userId: "user-refused-replier" };
    const attempt = (replyTo: string) =>
      api().call("POST", "/comments/{itemId}", {
        caller: replier,
        pathParameters: { itemId },
        body: { commentText: "Answer", replyTo },
      });
    expect((await attempt(other.commentId)).body).toEqual({
      error: { code: "INVALID_INPUT", message: "replyTo must be a comment on the same item" },
    });
    expect((await attempt(gone.commentId)).body).toEqual({
      error: { code: "INVALID_INPUT", message: "replyTo is a deleted comment" },
    });
    const missing = await attempt(MISSING_COMMENT);
    expect(missing.status).toBe(404);
    expect((await listItem(itemId)).body.comments).toEqual([]);
    expect((await api().db.repositories.comments.listByUser(replier.userId, { limit: 100 })).items).toEqual(
      [],
    );
  });

  it("keeps a thread readable when its top comment is deleted: listed as deleted, its replies still paged", async () => {
    const itemId = "/deleted-top";
    const top = await post(itemId, "Soon gone", users.alice);
    const reply = await post(itemId, "Still here", users.bob, top.commentId);
    const deleted = await api().call("DELETE", "/comments/{itemId}/{commentId}", {
      pathParameters: { itemId, commentId: top.commentId },
    });
    expect(deleted.status).toBe(200);
    const [shown] = (await listItem(itemId)).body.comments as CommentBody[];
    expect(shown).toMatchObject({
      commentId: top.commentId,
      deleted: true,
      deletedAt: expect.any(String),
      commentText: "",
      editHistory: [],
      replyCount: 1,
    });
    expect(shown?.replies?.map((r) => r.commentId)).toEqual([reply.commentId]);
    expect((await allReplies(itemId, top.commentId)).ids).toEqual([reply.commentId]);
    // An admin removes the last reply: the thread has nothing left to show.
    expect(
      (
        await api().call("DELETE", "/admin/comments/{commentId}", {
          caller: users.admin,
          pathParameters: { commentId: reply.commentId },
        })
      ).status,
    ).toBe(200);
    expect((await listItem(itemId)).body.comments).toEqual([]);
    expect((await allReplies(itemId, top.commentId)).ids).toEqual([]);
  });

  it("edits and deletes replies as comments, each delete taking one back from replyCount", async () => {
    const itemId = "/reply-lifecycle";
    const top = await post(itemId, "Top", users.alice);
    const mine = await post(itemId, "Frist", users.bob, top.commentId);
    const theirs = await post(itemId, "Other", users.carol, top.commentId);
    const edited = await api().call("PUT", "/comments/{itemId}/{commentId}", {
      caller: users.bob,
      pathParameters: { itemId, commentId: mine.commentId },
      body: { commentText: "First" },
    });
    expect(edited.body).toMatchObject({
      commentText: "First",
      version: 2,
      replyTo: top.commentId,
      threadId: top.commentId,
    });
    // Someone else's reply is not mine to delete.
    const refused = await api().call("DELETE", "/comments/{itemId}/{commentId}", {
      caller: users.bob,
      pathParameters: { itemId, commentId: theirs.commentId },
    });
    expect(refused.status).toBe(403);
    await api().call("DELETE", "/comments/{itemId}/{commentId}", {
      caller: users.bob,
      pathParameters: { itemId, commentId: mine.commentId },
    });
    const [shown] = (await listItem(itemId)).body.comments as CommentBody[];
    expect(shown?.replyCount).toBe(1);
    expect(shown?.replies?.map((r) => r.commentId)).toEqual([theirs.commentId]);
  });

  it("answers 404 for the replies of a missing comment and 400 for a reply's id or another thread's cursor", async () => {
    expect((await repliesPage("/nothing", MISSING_COMMENT)).status).toBe(404);
    const itemId = "/replies-route";
    const top = await post(itemId, "Top", users.alice);
    const other = await post(itemId, "Other top", users.alice);
    const reply = await post(itemId, "Reply", users.bob, top.commentId);
    await post(itemId, "Reply 2", users.bob, top.commentId);
    await post(itemId, "Reply 3", users.bob, other.commentId);
    const ofReply = await repliesPage(itemId, reply.commentId);
    expect(ofReply.body).toEqual({
      error: { code: "INVALID_INPUT", message: "commentId must be a top comment: page its threadId" },
    });
    // The top exists on another item only: not found here.
    expect((await repliesPage("/another-item", top.commentId)).status).toBe(404);
    const first = await repliesPage(itemId, top.commentId, { limit: "1" });
    expect(first.body.nextCursor).toEqual(expect.any(String));
    expect((await repliesPage(itemId, other.commentId, { cursor: first.body.nextCursor })).status).toBe(400);
  });

  it("keeps replyCount exact when many members reply to one thread at once", async () => {
    // (The repository's test races a hundred; through the whole handler, a busy test machine's
    // connections are the limit, not the count.)
    const itemId = "/many-replies";
    const top = await post(itemId, "Everyone, look", users.alice);
    const members = Array.from({ length: 20 }, (_, i) => ({ ...users.bob, userId: `user-replier-${i}` }));
    const responses = await Promise.all(
      members.map((member, i) =>
        api().call("POST", "/comments/{itemId}", {
          caller: member,
          pathParameters: { itemId },
          body: { commentText: `reply ${i}`, replyTo: top.commentId },
        }),
      ),
    );
    expect(responses.map((r) => r.status)).toEqual(members.map(() => 201));
    const [shown] = (await listItem(itemId)).body.comments as CommentBody[];
    expect(shown?.replyCount).toBe(20);
    expect((await allReplies(itemId, top.commentId)).ids).toHaveLength(20);
  });
});
