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
    expect((await toggle(commentId, users.bob)).body).toMatchObject({ liked: true, reactionCount: 1 });
    expect((await toggle(commentId, users.admin)).body).toMatchObject({ liked: true, reactionCount: 2 });
    const unliked = await toggle(commentId, users.bob);
    expect(unliked.status).toBe(200);
    expect(unliked.body).toMatchObject({ liked: false, reactionCount: 1 });
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
    expect((await toggle(commentId, users.carol)).body).toMatchObject({ liked: true, reactionCount: 21 });
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
        kind: "like",
      },
      {
        userId: "user-reactor-1",
        displayName: "Family member",
        profilePhotoUrl: null,
        createdAt: expect.any(String),
        kind: "like",
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
          kind: "like",
        },
        {
          userId: "user-sam",
          displayName: "Sam",
          profilePhotoUrl: null,
          createdAt: expect.any(String),
          kind: "like",
        },
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

const NO_COUNTS = { like: 0, love: 0, laugh: 0, wow: 0, sad: 0 };

const react = (commentId: string, kind: string | undefined, caller: TestUser = users.bob) =>
  api().call("POST", "/reactions/{commentId}", {
    caller,
    pathParameters: { commentId },
    ...(kind === undefined ? { body: {} } : { body: { kind } }),
  });

describe("Reaction kinds", () => {
  it("adds a kind, switches to another, and takes the same kind back, with the counts by kind", async () => {
    const commentId = await postComment("/kinds");
    expect((await react(commentId, "love")).body).toEqual({
      liked: true,
      viewerReaction: "love",
      reactionCount: 1,
      reactionCounts: { ...NO_COUNTS, love: 1 },
    });
    expect((await react(commentId, "like", users.carol)).body).toMatchObject({
      reactionCounts: { ...NO_COUNTS, love: 1, like: 1 },
    });
    expect((await react(commentId, "laugh")).body).toEqual({
      liked: true,
      viewerReaction: "laugh",
      reactionCount: 2,
      reactionCounts: { ...NO_COUNTS, laugh: 1, like: 1 },
    });
    // An empty JSON body is a like, as a request without any body is.
    expect((await react(commentId, undefined)).body).toMatchObject({
      viewerReaction: "like",
      reactionCount: 2,
    });
    expect((await toggle(commentId)).body).toEqual({
      liked: false,
      viewerReaction: null,
      reactionCount: 1,
      reactionCounts: { ...NO_COUNTS, like: 1 },
    });
    await react(commentId, "wow");
    const listed = await list(commentId);
    expect(listed.body.reactions.map((r: { userId: string; kind: string }) => [r.userId, r.kind])).toEqual(
      [
        [users.bob.userId, "wow"],
        [users.carol.userId, "like"],
      ].sort(),
    );
    const item = await api().call("GET", "/comments/{itemId}", { pathParameters: { itemId: "/kinds" } });
    expect(item.body.comments[0]).toMatchObject({
      reactionCount: 2,
      reactionCounts: { ...NO_COUNTS, like: 1, wow: 1 },
      viewerHasReacted: false,
      viewerReaction: null,
    });
    const asBob = await api().call("GET", "/comments/{itemId}", {
      caller: users.bob,
      pathParameters: { itemId: "/kinds" },
    });
    expect(asBob.body.comments[0]).toMatchObject({ viewerHasReacted: true, viewerReaction: "wow" });
  });

  it("stays a like toggle for a POST with no body and no Content-Type, as clients sent before kinds (not a 415)", async () => {
    const commentId = await postComment("/bodiless");
    const bare = () =>
      api().call("POST", "/reactions/{commentId}", {
        caller: users.bob,
        pathParameters: { commentId },
        contentType: null,
      });
    const liked = await bare();
    expect({ status: liked.status, body: liked.body }).toEqual({
      status: 200,
      body: {
        liked: true,
        viewerReaction: "like",
        reactionCount: 1,
        reactionCounts: { ...NO_COUNTS, like: 1 },
      },
    });
    // From another kind, the bare POST switches to a like; again, it takes the like back.
    await react(commentId, "sad");
    expect((await bare()).body).toMatchObject({ viewerReaction: "like", reactionCount: 1 });
    expect((await bare()).body).toMatchObject({ liked: false, viewerReaction: null, reactionCount: 0 });
  });

  it("refuses an unknown kind, another field, or a body that is not JSON, changing nothing", async () => {
    const commentId = await postComment("/bad-kinds");
    const unknown = await react(commentId, "angry");
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.message).toBe(
      'Invalid request body: kind must be one of "like", "love", "laugh", "wow", "sad"',
    );
    const extra = await api().call("POST", "/reactions/{commentId}", {
      pathParameters: { commentId },
      body: { kind: "love", emoji: "x" },
    });
    expect(extra.status).toBe(400);
    const text = await api().call("POST", "/reactions/{commentId}", {
      pathParameters: { commentId },
      body: { kind: "love" },
      contentType: "text/plain",
    });
    expect(text.status).toBe(415);
    expect(await api().db.repositories.reactions.get(commentId, users.bob.userId)).toBeNull();
    expect(await api().db.repositories.reactions.get(commentId, users.alice.userId)).toBeNull();
  });

  it("reacts to replies as to comments", async () => {
    const itemId = "/reply-reactions";
    const top = await postComment(itemId);
    const reply = await api().call("POST", "/comments/{itemId}", {
      caller: users.carol,
      pathParameters: { itemId },
      body: { commentText: "A reply", replyTo: top },
    });
    expect((await react(reply.body.commentId, "love")).body).toMatchObject({
      reactionCounts: { ...NO_COUNTS, love: 1 },
    });
    const item = await api().call("GET", "/comments/{itemId}", {
      caller: users.bob,
      pathParameters: { itemId },
    });
    expect(item.body.comments[0].replies[0]).toMatchObject({
      commentId: reply.body.commentId,
      reactionCount: 1,
      viewerReaction: "love",
    });
  });
});
