import { describe, expect, it } from "vitest";
import { saveProfile, type TestUser, users, useTestApi } from "./helpers.js";

/**
 * Mentions on comments and messages: each id a current member who may read what mentions them
 * (any member reads every item; a conversation's participants read it), else 400 naming the
 * position and nothing written; views name them with their current names.
 */
const api = useTestApi("mentions");

const dee: TestUser = {
  userId: "user-dee",
  email: "dee@example.org",
  name: "Dee D",
  groups: ["ApprovedUsers"],
};
const ITEM = "/letters/1942-06-01";

async function members() {
  const { call, db } = api();
  for (const user of [users.alice, users.bob, users.carol, dee]) await saveProfile(call, user);
  // Carol's membership ended; a stranger only ever signed in (pending).
  await db.repositories.profiles.ensureOnSignIn(users.stranger.userId, {
    displayName: "Stranger",
    isMember: false,
  });
  await db.repositories.profiles.revoke(users.carol.userId, users.admin.userId, db.repositories.revocations);
}

const comment = (body: Record<string, unknown>, caller: TestUser = users.alice) =>
  api().call("POST", "/comments/{itemId}", { caller, pathParameters: { itemId: ITEM }, body });

async function listedComments() {
  const response = await api().call("GET", "/comments/{itemId}", { pathParameters: { itemId: ITEM } });
  return response.body.comments as { commentId: string; mentions: unknown }[];
}

describe("mentions on comments", () => {
  it("are stored and shown with the members' current names", async () => {
    await members();
    const response = await comment({
      commentText: "Bob, Dee: is this grandma?",
      mentions: [users.bob.userId, dee.userId, users.bob.userId],
    });
    expect(response.status).toBe(201);
    // An id given twice counts once.
    expect(response.body.mentions).toEqual([
      { userId: users.bob.userId, displayName: "Bob B" },
      { userId: dee.userId, displayName: "Dee D" },
    ]);
    const { db } = api();
    const stored = await db.repositories.comments.get(ITEM, response.body.commentId);
    expect(stored?.mentions).toEqual([users.bob.userId, dee.userId]);

    // Dee renames herself: every view shows the name she has now.
    await saveProfile(api().call, dee, { displayName: "Dee Dorothea" });
    const listed = (await listedComments()).find((c) => c.commentId === response.body.commentId);
    expect(listed?.mentions).toEqual([
      { userId: users.bob.userId, displayName: "Bob B" },
      { userId: dee.userId, displayName: "Dee Dorothea" },
    ]);
    const history = await api().call("GET", "/profile/{userId}/comments", {
      pathParameters: { userId: users.alice.userId },
    });
    expect(history.body.comments[0].mentions[1]).toEqual({ userId: dee.userId, displayName: "Dee Dorothea" });
    // Comments that mention nobody show an empty list.
    expect((await comment({ commentText: "No one" })).body.mentions).toEqual([]);
  });

  it("refuses a non-member, a revoked member or a pending person with 400 naming the position", async () => {
    await members();
    const before = (await listedComments()).length;
    for (const [mentions, message] of [
      [[users.bob.userId, "user-nobody"], "mentions[1] is not a member of the family archive"],
      [[users.carol.userId], "mentions[0] is not a member of the family archive"],
      [
        [users.stranger.userId, users.bob.userId, "user-nobody"],
        "mentions[0], mentions[2] are not members of the family archive",
      ],
    ] as const) {
      const response = await comment({ commentText: "Hello", mentions });
      expect(response.status).toBe(400);
      expect(response.body.error).toEqual({ code: "INVALID_INPUT", message });
    }
    const tooMany = await comment({
      commentText: "Everyone",
      mentions: Array.from({ length: 11 }, (_, n) => `user-${n}`),
    });
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.error.message).toMatch(/mentions/);
    expect(JSON.stringify(tooMany.body)).not.toContain("user-1");
    expect((await listedComments()).length).toBe(before);
  });

  it("an edit replaces the list (checked the same way) or keeps it when it sends none", async () => {
    await members();
    const created = await comment({ commentText: "Bob?", mentions: [users.bob.userId] });
    const edit = (body: Record<string, unknown>) =>
      api().call("PUT", "/comments/{itemId}/{commentId}", {
        pathParameters: { itemId: ITEM, commentId: created.body.commentId },
        body,
      });
    const kept = await edit({ commentText: "Bob!" });
    expect(kept.status).toBe(200);
    expect(kept.body.mentions).toEqual([{ userId: users.bob.userId, displayName: "Bob B" }]);

    const refused = await edit({ commentText: "Carol?", mentions: [users.bob.userId, users.carol.userId] });
    expect(refused.status).toBe(400);
    expect(refused.body.error.message).toBe("mentions[1] is not a member of the family archive");
    const { db } = api();
    const unchanged = await db.repositories.comments.get(ITEM, created.body.commentId);
    expect(unchanged).toMatchObject({ commentText: "Bob!", mentions: [users.bob.userId], version: 2 });

    const added = await edit({ commentText: "Bob and Dee", mentions: [users.bob.userId, dee.userId] });
    expect(added.body.mentions.map((m: { userId: string }) => m.userId)).toEqual([
      users.bob.userId,
      dee.userId,
    ]);
    const stored = await db.repositories.comments.get(ITEM, created.body.commentId);
    expect(stored?.mentionsAddedAt).toBe(stored?.updatedAt);
  });
});

describe("mentions on messages", () => {
  async function group(participants: TestUser[]) {
    const response = await api().call("POST", "/messages/conversations", {
      body: { participantIds: participants.map((p) => p.userId), messageText: "Hello", title: "Cousins" },
    });
    expect(response.status).toBe(201);
    return response.body.conversationId as string;
  }
  const send = (conversationId: string, body: Record<string, unknown>) =>
    api().call("POST", "/messages/conversations/{conversationId}", {
      pathParameters: { conversationId },
      body,
    });

  it("must be participants of the conversation who are current members", async () => {
    await members();
    const conversationId = await group([users.bob, dee]);
    const ok = await send(conversationId, { messageText: "Dee?", mentions: [dee.userId] });
    expect(ok.status).toBe(201);
    expect(ok.body.mentions).toEqual([{ userId: dee.userId, displayName: "Dee D" }]);

    // Carol is a member of nothing now; Admin is a member but not in this conversation.
    await saveProfile(api().call, users.admin);
    for (const [mentions, message] of [
      [[users.admin.userId], "mentions[0] is not a member of this conversation"],
      [[dee.userId, users.carol.userId], "mentions[1] is not a member of this conversation"],
    ] as const) {
      const refused = await send(conversationId, { messageText: "Hi", mentions });
      expect(refused.status).toBe(400);
      expect(refused.body.error.message).toBe(message);
    }
    const page = await api().call("GET", "/messages/conversations/{conversationId}", {
      pathParameters: { conversationId },
    });
    expect(page.body.messages.map((m: { messageText: string }) => m.messageText)).toEqual(["Dee?", "Hello"]);
    expect(page.body.messages[0].mentions).toEqual([{ userId: dee.userId, displayName: "Dee D" }]);

    // A message its sender deletes names nobody any more, stored or shown.
    const deleted = await api().call("DELETE", "/messages/conversations/{conversationId}/{messageId}", {
      pathParameters: { conversationId, messageId: ok.body.messageId },
    });
    expect(deleted.body.mentions).toEqual([]);
    const stored = await api().db.repositories.conversations.getMessage(conversationId, ok.body.messageId);
    expect(stored?.mentions).toBeUndefined();

    // Starting a conversation checks them against its participants.
    const start = await api().call("POST", "/messages/conversations", {
      body: { participantIds: [users.bob.userId], messageText: "Dee?", mentions: [dee.userId] },
    });
    expect(start.status).toBe(400);
    expect(start.body.error.message).toBe("mentions[0] is not a member of this conversation");
    // An outsider learns nothing from a mention: 403 as for any message.
    const outsider = await api().call("POST", "/messages/conversations/{conversationId}", {
      caller: users.admin,
      pathParameters: { conversationId },
      body: { messageText: "Hi", mentions: [dee.userId] },
    });
    expect(outsider.status).toBe(403);
  });
});

describe("PUT /profile notification preferences", () => {
  it("changes only the kinds sent, replies and mentions on by default", async () => {
    const { call } = api();
    const fresh: TestUser = {
      userId: "user-fresh",
      email: "fresh@example.org",
      name: "Fresh",
      groups: ["ApprovedUsers"],
    };
    const saved = await saveProfile(call, fresh);
    expect(saved.notificationPreferences).toEqual({
      comments: true,
      reactions: true,
      messages: true,
      replies: true,
      mentions: true,
    });
    const changed = await call("PUT", "/profile", {
      caller: fresh,
      body: { notificationPreferences: { mentions: false } },
    });
    expect(changed.body.notificationPreferences).toEqual({
      comments: true,
      reactions: true,
      messages: true,
      replies: true,
      mentions: false,
    });
    const again = await call("PUT", "/profile", {
      caller: fresh,
      body: { notificationPreferences: { replies: false, comments: false } },
    });
    expect(again.body.notificationPreferences).toEqual({
      comments: false,
      reactions: true,
      messages: true,
      replies: false,
      mentions: false,
    });
    const unknown = await call("PUT", "/profile", {
      caller: fresh,
      body: { notificationPreferences: { likes: false } },
    });
    expect(unknown.status).toBe(400);
  });
});

describe("GET /members?prefix=", () => {
  it("searches the name index: 400 without a letter or digit, the directory without a prefix", async () => {
    const { call } = api();
    const refused = await call("GET", "/members", { query: { prefix: "!?" } });
    expect(refused.status).toBe(400);
    expect(refused.body.error.message).toBe("prefix must contain a letter or a digit");
    const none = await call("GET", "/members", { query: { prefix: "Zzyzx" } });
    expect(none.status).toBe(200);
    expect(none.body).toEqual({ members: [], nextCursor: null });
  });
});
