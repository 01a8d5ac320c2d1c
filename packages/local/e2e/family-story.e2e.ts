import { HearthApiError, type HearthClient, type Schemas } from "@hearth/client";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { readOutputs } from "../src/outputs.js";
import { type Email, Outside, type User } from "./client.js";

/**
 * One family's afternoon on Hearth, driven only from outside: Cognito sign-in, the HTTP
 * API through the typed `@hearth/client` (raw requests only for broken tokens), a presigned
 * S3 upload and the SES inbox. Every answer is checked against the OpenAPI document. Steps
 * build on each other, in order.
 */
const outside = new Outside(readOutputs(inject("outputsFile")));
let alice: User;
let bob: User;
let admin: User;
let stranger: User;
const api: Record<string, HearthClient> = {};
const itemId = `/e2e/${outside.runId}/christmas 1987`;
const onItem = { params: { path: { itemId } } };
const aliceComments: Schemas["Comment"][] = [];
const bobComments: Schemas["Comment"][] = [];

/** The API error a call was refused with (fails when it succeeds or fails otherwise). */
async function refusal(call: Promise<unknown>): Promise<HearthApiError> {
  const error = await call.then(
    () => new Error("expected the API to refuse this"),
    (error: unknown) => error,
  );
  if (!(error instanceof HearthApiError)) throw error;
  return error;
}
const statusOf = async (call: Promise<unknown>) => (await refusal(call)).status;

// Digests ("2 new comments on …") list what a window held back after its first email.
const kindOf = (mail: Email) =>
  /^\d+ new /.test(mail.subject)
    ? "digest"
    : / liked your comment/.test(mail.subject)
      ? "reaction"
      : /^New message/.test(mail.subject)
        ? "message"
        : "comment";
const emailsOf = async (user: User, kind: string) =>
  (await outside.inbox(user.email)).filter((m) => kindOf(m) === kind);

beforeAll(async () => {
  [alice, bob, admin, stranger] = await Promise.all([
    outside.signUp("Alice", ["ApprovedUsers"]),
    outside.signUp("Bob", ["ApprovedUsers"]),
    outside.signUp("Admin", ["Admins"]),
    outside.signUp("Stranger", []),
  ]);
  for (const user of [alice, bob, admin, stranger]) api[user.name] = outside.client(user);
});

describe("a family story", () => {
  it("keeps out callers without a valid token (401) and signed-in non-members (403)", async () => {
    const itemPath = `/comments/${encodeURIComponent(itemId)}`;
    // Raw requests: the typed client always sends a well-formed bearer header.
    expect((await outside.call("GET", "/messages/conversations")).status).toBe(401);
    expect((await outside.call("GET", "/messages/conversations", { token: "not-a-jwt" })).status).toBe(401);
    const forged = `${alice.token.slice(0, -4)}AAAA`;
    expect((await outside.call("GET", itemPath, { token: forged })).status).toBe(401);
    expect(
      await statusOf(outside.client({ token: alice.accessToken }).GET("/comments/{itemId}", onItem)),
    ).toBe(401);
    const denied = await refusal(api.Stranger!.GET("/comments/{itemId}", onItem));
    expect(denied).toMatchObject({ status: 403, code: "MEMBERSHIP_PENDING", message: expect.any(String) });
  });

  it("lets everyone set a profile and read the others'", async () => {
    for (const user of [alice, bob, admin]) {
      const saved = await api[user.name]!.PUT("/profile", {
        body: { displayName: `${user.name} E2E`, bio: `I am ${user.name}.` },
      });
      expect(saved).toMatchObject({ userId: user.userId, displayName: `${user.name} E2E` });
    }
    const seen = await api.Alice!.GET("/profile/{userId}", { params: { path: { userId: bob.userId } } });
    expect(seen).toMatchObject({ displayName: "Bob E2E", bio: "I am Bob." });
    expect(await statusOf(api.Alice!.PUT("/profile", { body: { bio: "x".repeat(501) } }))).toBe(400);
  });

  it("hides a private profile from other members but not from its owner or an admin", async () => {
    const bobsProfile = { params: { path: { userId: bob.userId } } };
    await api.Bob!.PUT("/profile", { body: { isProfilePrivate: true } });
    expect(await statusOf(api.Alice!.GET("/profile/{userId}", bobsProfile))).toBe(403);
    expect(await statusOf(api.Alice!.GET("/profile/{userId}/comments", bobsProfile))).toBe(403);
    expect(await api.Bob!.GET("/profile/{userId}", bobsProfile)).toHaveProperty("notificationPreferences");
    expect(await api.Admin!.GET("/profile/{userId}", bobsProfile)).toHaveProperty("email");
    await api.Bob!.PUT("/profile", { body: { isProfilePrivate: false } });
    expect(await api.Alice!.GET("/profile/{userId}", bobsProfile)).not.toHaveProperty("email");
  });

  it("takes comments on an item whose id is a path, and pages through them oldest first", async () => {
    for (const text of ["The tree!", "<b>Grandpa</b> in the snow", "Who took this?"]) {
      aliceComments.push(
        await api.Alice!.POST("/comments/{itemId}", {
          ...onItem,
          body: { commentText: text, itemTitle: "Christmas 1987" },
        }),
      );
    }
    expect(aliceComments[1]!.commentText).toBe("Grandpa in the snow");
    for (const text of ["I did!", "With the old Polaroid."]) {
      bobComments.push(
        await api.Bob!.POST("/comments/{itemId}", {
          ...onItem,
          body: { commentText: text, itemTitle: "Christmas 1987" },
        }),
      );
    }
    expect(
      await statusOf(api.Bob!.POST("/comments/{itemId}", { ...onItem, body: { commentText: "   " } })),
    ).toBe(400);

    const texts: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await api.Bob!.GET("/comments/{itemId}", {
        params: { path: { itemId }, query: { limit: 2, ...(cursor ? { cursor } : {}) } },
      });
      expect(page.comments.length).toBeLessThanOrEqual(2);
      texts.push(...page.comments.map((c) => c.commentText));
      cursor = page.nextCursor ?? undefined;
      pages++;
    } while (cursor && pages < 10);
    expect(texts).toEqual([...aliceComments, ...bobComments].map((c) => c.commentText));
    expect(pages).toBeGreaterThanOrEqual(3);
    expect(
      await statusOf(
        api.Bob!.GET("/comments/{itemId}", { params: { path: { itemId }, query: { cursor: "tampered" } } }),
      ),
    ).toBe(400);
  });

  it("keeps the edit history of a comment, and only its author may edit or delete it", async () => {
    const onFirst = { params: { path: { itemId, commentId: aliceComments[0]!.commentId } } };
    const edited = await api.Alice!.PUT("/comments/{itemId}/{commentId}", {
      ...onFirst,
      body: { commentText: "The tree fell over!" },
    });
    expect(edited).toMatchObject({ commentText: "The tree fell over!", isEdited: true });
    expect(edited.editHistory).toEqual([expect.objectContaining({ text: "The tree!" })]);
    expect(
      await statusOf(
        api.Bob!.PUT("/comments/{itemId}/{commentId}", { ...onFirst, body: { commentText: "mine now" } }),
      ),
    ).toBe(403);
    expect(await statusOf(api.Bob!.DELETE("/comments/{itemId}/{commentId}", onFirst))).toBe(403);
  });

  it("counts likes exactly when members toggle at the same time", async () => {
    const onComment = { params: { path: { commentId: aliceComments[0]!.commentId } } };
    const toggles = await Promise.all(
      [alice, bob, admin].map((user) => api[user.name]!.POST("/reactions/{commentId}", onComment)),
    );
    expect(toggles.every((t) => t.liked === true)).toBe(true);
    const who = await api.Bob!.GET("/reactions/{commentId}", onComment);
    expect(who.reactions.map((r) => r.userId).sort()).toEqual(
      [alice, bob, admin].map((u) => u.userId).sort(),
    );
    expect(await api.Alice!.POST("/reactions/{commentId}", onComment)).toEqual({
      liked: false,
      viewerReaction: null,
      reactionCount: 2,
      reactionCounts: { like: 2, love: 0, laugh: 0, wow: 0, sad: 0 },
    });
  });

  it("lets an admin moderate any comment, and only an admin", async () => {
    const target = { params: { path: { commentId: bobComments[1]!.commentId } } };
    expect(await statusOf(api.Alice!.DELETE("/admin/comments/{commentId}", target))).toBe(403);
    expect(await api.Admin!.DELETE("/admin/comments/{commentId}", target)).toMatchObject({ deleted: true });
    const listed = await api.Alice!.GET("/comments/{itemId}", {
      params: { path: { itemId }, query: { limit: 50 } },
    });
    expect(listed.comments.map((c) => c.commentId)).not.toContain(bobComments[1]!.commentId);
    expect(await statusOf(api.Admin!.DELETE("/admin/comments/{commentId}", target))).toBe(404);
  });

  let directId: string;
  let groupId: string;

  it("runs a direct and a group conversation with unread counts", async () => {
    const started = await api.Alice!.POST("/messages/conversations", {
      body: { participantIds: [bob.userId], messageText: "Hi Bob, found the photos!" },
    });
    expect(started.conversationType).toBe("direct");
    directId = started.conversationId;
    expect(directId).toMatch(/^[A-Za-z0-9_-]+$/);
    const again = await api.Bob!.POST("/messages/conversations", {
      body: { participantIds: [alice.userId], messageText: "Great!" },
    });
    expect(again.conversationId).toBe(directId);

    const group = await api.Admin!.POST("/messages/conversations", {
      body: { participantIds: [alice.userId, bob.userId], title: "Reunion", messageText: "Reunion in June?" },
    });
    expect(group.conversationType).toBe("group");
    groupId = group.conversationId;

    const unreadOf = async (user: User) =>
      Object.fromEntries(
        (await api[user.name]!.GET("/messages/conversations")).conversations.map((c) => [
          c.conversationId,
          c.unreadCount,
        ]),
      );
    const bobsList = await api.Bob!.GET("/messages/conversations");
    expect(bobsList.conversations[0]!.conversationId).toBe(groupId);
    expect(await unreadOf(bob)).toEqual({ [directId]: 1, [groupId]: 1 });

    const onDirect = { params: { path: { conversationId: directId } } };
    expect(await api.Bob!.PUT("/messages/conversations/{conversationId}/read", onDirect)).toMatchObject({
      unreadCount: 0,
    });
    expect(await unreadOf(bob)).toEqual({ [directId]: 0, [groupId]: 1 });
    expect(await unreadOf(alice)).toEqual({ [directId]: 1, [groupId]: 1 });
    expect(await statusOf(api.Admin!.GET("/messages/conversations/{conversationId}", onDirect))).toBe(403);
  });

  it("sends an attachment uploaded straight to S3 through a presigned URL", async () => {
    const content = Buffer.from("Menu for the reunion: soup, roast, pie.\n");
    const upload = await api.Alice!.POST("/messages/upload", {
      body: { filename: "menu.txt", contentType: "text/plain", size: content.length },
    });
    const put = await fetch(upload.uploadUrl, {
      method: "PUT",
      headers: { "Content-Type": "text/plain" },
      body: content,
    });
    expect(put.status).toBe(200);
    const onDirect = { params: { path: { conversationId: directId } } };
    await api.Alice!.POST("/messages/conversations/{conversationId}", {
      ...onDirect,
      body: {
        messageText: "Here is the menu",
        attachments: [
          { s3Key: upload.s3Key, filename: "menu.txt", contentType: "text/plain", size: content.length },
        ],
      },
    });
    const messages = await api.Bob!.GET("/messages/conversations/{conversationId}", {
      params: { path: { conversationId: directId }, query: { limit: 1 } },
    });
    expect(messages.messages[0]).toMatchObject({
      messageText: "Here is the menu",
      attachments: [expect.objectContaining({ s3Key: upload.s3Key })],
    });
    const tooBig = api.Alice!.POST("/messages/upload", {
      body: { filename: "huge.pdf", contentType: "application/pdf", size: 26 * 1024 * 1024 },
    });
    expect(await refusal(tooBig)).toMatchObject({ status: 413, code: "PAYLOAD_TOO_LARGE" });
  });
  it("emails the right people once per kind, and never the actor", async () => {
    // Alice commented before Bob, so Bob's two comments email her, once (the second waits for
    // the window's digest).
    await outside.eventually(
      "Alice's comment email",
      async () => (await emailsOf(alice, "comment")).length > 0,
    );
    // A reaction email to Alice (Bob and the admin liked her comment; her own like is not news).
    await outside.eventually(
      "Alice's reaction email",
      async () => (await emailsOf(alice, "reaction")).length > 0,
    );
    // Alice's later message to Bob is in the same stream after the group message; once Alice
    // has the group message's email, everything before it in that stream has been handled.
    await outside.eventually("Bob's message email", async () => (await emailsOf(bob, "message")).length > 0);
    await outside.eventually(
      "Alice's message email",
      async () => (await emailsOf(alice, "message")).length > 0,
    );
    // A later comment by Alice reaches Bob; by then Bob's comments are all processed.
    await api.Alice!.POST("/comments/{itemId}", { ...onItem, body: { commentText: "Same time next year?" } });
    await outside.eventually("Bob's comment email", async () => (await emailsOf(bob, "comment")).length > 0);

    expect(await emailsOf(alice, "comment")).toHaveLength(1);
    expect(await emailsOf(alice, "reaction")).toHaveLength(1);
    // Bob only liked: reaction emails go to the comment's author, not to those who react.
    expect(await emailsOf(bob, "reaction")).toEqual([]);
    expect(await emailsOf(bob, "message")).toHaveLength(1);
    expect(await emailsOf(alice, "message")).toHaveLength(1);
    expect(await outside.inbox(admin.email)).toEqual([]);
    const [mail] = await emailsOf(alice, "comment");
    expect(mail!.subject).toContain("Christmas 1987");
    expect(mail!.body.html).not.toContain("<b>Grandpa");
  });

  it("keeps each member's comment count up to date from the stream", async () => {
    await outside.eventually("Alice's comment count", async () => {
      const profile = await api.Alice!.GET("/profile/{userId}", {
        params: { path: { userId: alice.userId } },
      });
      return profile.commentCount === 4;
    });
  });
});
