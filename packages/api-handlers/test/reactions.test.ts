import { describe, expect, it } from "vitest";
import { collectPages, saveProfile, type TestUser, users, useTestApi } from "./helpers.js";

const api = useTestApi("reactions");

const MISSING_COMMENT = "01JZZZZZZZZZZZZZZZZZZZZZZZ";

async function postComment(itemId: string, caller: TestUser = users.alice): Promise<string> {
  const response = await api().call("POST", "/comments/{itemId}", {
    caller,
    pathParameters: { itemId },
    body: { commentText: "react to me" },
  });
  return response.body.commentId;
}

const toggle = (commentId: string, caller: TestUser = users.bob) =>
  api().call("POST", "/reactions/{commentId}", { caller, pathParameters: { commentId } });

const list = (commentId: string, query: Record<string, string> = {}) =>
  api().call("GET", "/reactions/{commentId}", { pathParameters: { commentId }, query });

describe("POST /reactions/{commentId}", () => {
  it("likes, then unlikes, and reports the count each time", async () => {
    const commentId = await postComment("/toggle");
    expect((await toggle(commentId, users.bob)).body).toEqual({ liked: true, reactionCount: 1 });
    expect((await toggle(commentId, users.admin)).body).toEqual({ liked: true, reactionCount: 2 });
    const unliked = await toggle(commentId, users.bob);
    expect(unliked.status).toBe(200);
    expect(unliked.body).toEqual({ liked: false, reactionCount: 1 });
    const comments = await api().call("GET", "/comments/{itemId}", { pathParameters: { itemId: "/toggle" } });
    expect(comments.body.comments[0].reactionCount).toBe(1);
  });

  it("keeps the count exact when many members toggle at once", async () => {
    const commentId = await postComment("/concurrent-likes");
    const likers = Array.from({ length: 20 }, (_, i) => ({ ...users.bob, userId: `user-liker-${i}` }));
    const responses = await Promise.all(likers.map((liker) => toggle(commentId, liker)));
    expect(responses.map((r) => r.status)).toEqual(likers.map(() => 200));
    expect(responses.every((r) => r.body.liked === true)).toBe(true);
    const { items } = await collectPages(api().call, "GET", "/reactions/{commentId}", "reactions", {
      pathParameters: { commentId },
      limit: 100,
    });
    expect(items).toHaveLength(20);
    expect((await toggle(commentId, users.carol)).body).toEqual({ liked: true, reactionCount: 21 });
  });

  it("answers 404 for a missing or deleted comment and changes nothing", async () => {
    expect((await toggle(MISSING_COMMENT)).status).toBe(404);
    const commentId = await postComment("/deleted-reaction");
    await api().call("DELETE", "/comments/{itemId}/{commentId}", {
      pathParameters: { itemId: "/deleted-reaction", commentId },
    });
    const response = await toggle(commentId);
    expect(response.status).toBe(404);
    expect(await api().db.repositories.reactions.get(commentId, users.bob.userId)).toBeNull();
  });

  it("refuses a malformed comment id with 400", async () => {
    expect((await toggle("not/an id")).status).toBe(400);
  });
});

describe("GET /reactions/{commentId}", () => {
  it("lists who reacted, page by page", async () => {
    const commentId = await postComment("/who-reacted");
    const reactors = Array.from({ length: 5 }, (_, i) => ({ ...users.bob, userId: `user-reactor-${i}` }));
    for (const reactor of reactors) await toggle(commentId, reactor);
    const first = await list(commentId, { limit: "2" });
    expect(first.status).toBe(200);
    expect(first.body.reactions).toEqual([
      {
        userId: "user-reactor-0",
        displayName: "Family member",
        profilePhotoUrl: null,
        createdAt: expect.any(String),
      },
      {
        userId: "user-reactor-1",
        displayName: "Family member",
        profilePhotoUrl: null,
        createdAt: expect.any(String),
      },
    ]);
    const { items, pages } = await collectPages<{ userId: string }>(
      api().call,
      "GET",
      "/reactions/{commentId}",
      "reactions",
      { pathParameters: { commentId }, limit: 2 },
    );
    expect(items.map((r) => r.userId)).toEqual(reactors.map((r) => r.userId));
    expect(pages).toBe(3);
  });

  it("names each reactor with their profile's name and photo, private profiles included", async () => {
    const { call } = api();
    const commentId = await postComment("/named-reactions");
    const rose = { ...users.bob, userId: "user-rose" };
    const sam = { ...users.bob, userId: "user-sam" };
    await saveProfile(call, rose, {
      displayName: "Rose",
      profilePhotoUrl: "https://photos.example.org/rose.jpg",
    });
    await saveProfile(call, sam, { displayName: "Sam", isProfilePrivate: true, bio: "secret" });
    await toggle(commentId, rose);
    await toggle(commentId, sam);
    const response = await list(commentId);
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      reactions: [
        {
          userId: "user-rose",
          displayName: "Rose",
          profilePhotoUrl: "https://photos.example.org/rose.jpg",
          createdAt: expect.any(String),
        },
        { userId: "user-sam", displayName: "Sam", profilePhotoUrl: null, createdAt: expect.any(String) },
      ],
      nextCursor: null,
    });
  });

  it("answers 404 for a deleted comment, even with a bad cursor", async () => {
    const commentId = await postComment("/deleted-list");
    await toggle(commentId);
    await api().call("DELETE", "/comments/{itemId}/{commentId}", {
      pathParameters: { itemId: "/deleted-list", commentId },
    });
    expect((await list(commentId)).status).toBe(404);
    expect((await list(commentId, { cursor: "not-a-cursor" })).status).toBe(404);
    expect((await list(MISSING_COMMENT, { limit: "0" })).status).toBe(400);
  });

  it("answers 404 for a missing comment and 400 for a cursor of another comment", async () => {
    expect((await list(MISSING_COMMENT)).status).toBe(404);
    const one = await postComment("/cursor-one");
    const other = await postComment("/cursor-other");
    for (const reactor of ["user-r1", "user-r2"]) await toggle(one, { ...users.bob, userId: reactor });
    const page = await list(one, { limit: "1" });
    expect(page.body.nextCursor).toEqual(expect.any(String));
    expect((await list(other, { cursor: page.body.nextCursor })).status).toBe(400);
  });
});
