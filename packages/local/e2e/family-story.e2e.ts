import { beforeAll, describe, expect, inject, it } from "vitest";
import { readOutputs } from "../src/outputs.js";
import { type Email, Outside, type User } from "./client.js";

/**
 * One family's afternoon on Hearth, driven only from outside: Cognito sign-in, the HTTP
 * API, a presigned S3 upload and the SES inbox. Steps build on each other, in order.
 */
const outside = new Outside(readOutputs(inject("outputsFile")));
let alice: User;
let bob: User;
let admin: User;
let stranger: User;
const itemId = `/e2e/${outside.runId}/christmas 1987`;
const itemPath = `/comments/${encodeURIComponent(itemId)}`;
const aliceComments: Array<{ commentId: string; commentText: string }> = [];
const bobComments: Array<{ commentId: string; commentText: string }> = [];

const kindOf = (mail: Email) =>
  / liked your comment/.test(mail.subject)
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
});

describe("a family story", () => {
  it("keeps out callers without a valid token (401) and signed-in non-members (403)", async () => {
    expect((await outside.call("GET", "/messages/conversations")).status).toBe(401);
    expect((await outside.call("GET", "/messages/conversations", { token: "not-a-jwt" })).status).toBe(401);
    const forged = `${alice.token.slice(0, -4)}AAAA`;
    expect((await outside.call("GET", itemPath, { token: forged })).status).toBe(401);
    expect((await outside.call("GET", itemPath, { token: alice.accessToken })).status).toBe(401);
    const denied = await outside.call("GET", itemPath, { as: stranger });
    expect(denied.status).toBe(403);
    expect(denied.body).toMatchObject({ error: { code: expect.any(String), message: expect.any(String) } });
  });

  it("lets everyone set a profile and read the others'", async () => {
    for (const user of [alice, bob, admin]) {
      const saved = await outside.call("PUT", "/profile", {
        as: user,
        body: { displayName: `${user.name} E2E`, bio: `I am ${user.name}.` },
      });
      expect(saved.status).toBe(200);
      expect(saved.body).toMatchObject({ userId: user.userId, displayName: `${user.name} E2E` });
    }
    const seen = await outside.call("GET", `/profile/${bob.userId}`, { as: alice });
    expect(seen.status).toBe(200);
    expect(seen.body).toMatchObject({ displayName: "Bob E2E", bio: "I am Bob." });
    expect(
      (await outside.call("PUT", "/profile", { as: alice, body: { bio: "x".repeat(501) } })).status,
    ).toBe(400);
  });

  it("hides a private profile from other members but not from its owner or an admin", async () => {
    await outside.call("PUT", "/profile", { as: bob, body: { isProfilePrivate: true } });
    expect((await outside.call("GET", `/profile/${bob.userId}`, { as: alice })).status).toBe(403);
    expect((await outside.call("GET", `/profile/${bob.userId}/comments`, { as: alice })).status).toBe(403);
    expect((await outside.call("GET", `/profile/${bob.userId}`, { as: bob })).status).toBe(200);
    expect((await outside.call("GET", `/profile/${bob.userId}`, { as: admin })).status).toBe(200);
    await outside.call("PUT", "/profile", { as: bob, body: { isProfilePrivate: false } });
    expect((await outside.call("GET", `/profile/${bob.userId}`, { as: alice })).status).toBe(200);
  });

  it("takes comments on an item whose id is a path, and pages through them oldest first", async () => {
    for (const text of ["The tree!", "<b>Grandpa</b> in the snow", "Who took this?"]) {
      const posted = await outside.call<{ commentId: string; commentText: string }>("POST", itemPath, {
        as: alice,
        body: { commentText: text, itemTitle: "Christmas 1987" },
      });
      expect(posted.status).toBe(201);
      aliceComments.push(posted.body);
    }
    expect(aliceComments[1]!.commentText).toBe("Grandpa in the snow");
    for (const text of ["I did!", "With the old Polaroid."]) {
      const posted = await outside.call<{ commentId: string; commentText: string }>("POST", itemPath, {
        as: bob,
        body: { commentText: text, itemTitle: "Christmas 1987" },
      });
      expect(posted.status).toBe(201);
      bobComments.push(posted.body);
    }
    expect((await outside.call("POST", itemPath, { as: bob, body: { commentText: "   " } })).status).toBe(
      400,
    );

    const texts: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const query = `?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`;
      const page = await outside.call<{
        comments: Array<{ commentText: string }>;
        nextCursor?: string | null;
      }>("GET", `${itemPath}${query}`, { as: bob });
      expect(page.status).toBe(200);
      expect(page.body.comments.length).toBeLessThanOrEqual(2);
      texts.push(...page.body.comments.map((c) => c.commentText));
      cursor = page.body.nextCursor ?? undefined;
      pages++;
    } while (cursor && pages < 10);
    expect(texts).toEqual([...aliceComments, ...bobComments].map((c) => c.commentText));
    expect(pages).toBeGreaterThanOrEqual(3);
    expect((await outside.call("GET", `${itemPath}?cursor=tampered`, { as: bob })).status).toBe(400);
  });

  it("keeps the edit history of a comment, and only its author may edit or delete it", async () => {
    const first = aliceComments[0]!;
    const path = `${itemPath}/${first.commentId}`;
    const edited = await outside.call<{ commentText: string; isEdited: boolean; editHistory: unknown[] }>(
      "PUT",
      path,
      { as: alice, body: { commentText: "The tree fell over!" } },
    );
    expect(edited.status).toBe(200);
    expect(edited.body).toMatchObject({ commentText: "The tree fell over!", isEdited: true });
    expect(edited.body.editHistory).toEqual([expect.objectContaining({ text: "The tree!" })]);
    expect((await outside.call("PUT", path, { as: bob, body: { commentText: "mine now" } })).status).toBe(
      403,
    );
    expect((await outside.call("DELETE", path, { as: bob })).status).toBe(403);
  });

  it("counts likes exactly when members toggle at the same time", async () => {
    const path = `/reactions/${aliceComments[0]!.commentId}`;
    const toggles = await Promise.all(
      [alice, bob, admin].map((user) => outside.call("POST", path, { as: user })),
    );
    expect(toggles.map((t) => t.status)).toEqual([200, 200, 200]);
    expect(toggles.every((t) => t.body.liked === true)).toBe(true);
    const who = await outside.call<{ reactions: Array<{ userId: string }> }>("GET", path, { as: bob });
    expect(who.body.reactions.map((r) => r.userId).sort()).toEqual(
      [alice, bob, admin].map((u) => u.userId).sort(),
    );
    const unliked = await outside.call("POST", path, { as: alice });
    expect(unliked.body).toEqual({ liked: false, reactionCount: 2 });
  });

  it("lets an admin moderate any comment, and only an admin", async () => {
    const target = bobComments[1]!;
    expect((await outside.call("DELETE", `/admin/comments/${target.commentId}`, { as: alice })).status).toBe(
      403,
    );
    expect((await outside.call("DELETE", `/admin/comments/${target.commentId}`, { as: admin })).status).toBe(
      200,
    );
    const listed = await outside.call<{ comments: Array<{ commentId: string }> }>(
      "GET",
      `${itemPath}?limit=50`,
      {
        as: alice,
      },
    );
    expect(listed.body.comments.map((c) => c.commentId)).not.toContain(target.commentId);
    expect((await outside.call("DELETE", `/admin/comments/${target.commentId}`, { as: admin })).status).toBe(
      404,
    );
  });

  let directId: string;
  let groupId: string;

  it("runs a direct and a group conversation with unread counts", async () => {
    const started = await outside.call<{ conversationId: string; conversationType: string }>(
      "POST",
      "/messages/conversations",
      { as: alice, body: { participantIds: [bob.userId], messageText: "Hi Bob, found the photos!" } },
    );
    expect(started.status).toBe(201);
    expect(started.body.conversationType).toBe("direct");
    directId = started.body.conversationId;
    expect(directId).toMatch(/^[A-Za-z0-9_-]+$/);
    const again = await outside.call<{ conversationId: string }>("POST", "/messages/conversations", {
      as: bob,
      body: { participantIds: [alice.userId], messageText: "Great!" },
    });
    expect(again.body.conversationId).toBe(directId);

    const group = await outside.call<{ conversationId: string; conversationType: string }>(
      "POST",
      "/messages/conversations",
      {
        as: admin,
        body: {
          participantIds: [alice.userId, bob.userId],
          title: "Reunion",
          messageText: "Reunion in June?",
        },
      },
    );
    expect(group.status).toBe(201);
    expect(group.body.conversationType).toBe("group");
    groupId = group.body.conversationId;

    type Listing = { conversations: Array<{ conversationId: string; unreadCount: number }> };
    const bobsList = await outside.call<Listing>("GET", "/messages/conversations", { as: bob });
    const unread = Object.fromEntries(
      bobsList.body.conversations.map((c) => [c.conversationId, c.unreadCount]),
    );
    expect(unread).toEqual({ [directId]: 1, [groupId]: 1 });
    expect(bobsList.body.conversations[0]!.conversationId).toBe(groupId);

    const read = await outside.call("PUT", `/messages/conversations/${directId}/read`, { as: bob });
    expect(read.body).toMatchObject({ unreadCount: 0 });
    const bobsListAfterRead = await outside.call<Listing>("GET", "/messages/conversations", { as: bob });
    expect(
      Object.fromEntries(bobsListAfterRead.body.conversations.map((c) => [c.conversationId, c.unreadCount])),
    ).toEqual({ [directId]: 0, [groupId]: 1 });
    const alicesList = await outside.call<Listing>("GET", "/messages/conversations", { as: alice });
    const aliceUnread = Object.fromEntries(
      alicesList.body.conversations.map((c) => [c.conversationId, c.unreadCount]),
    );
    expect(aliceUnread).toEqual({ [directId]: 1, [groupId]: 1 });
    expect((await outside.call("GET", `/messages/conversations/${directId}`, { as: admin })).status).toBe(
      403,
    );
  });

  it("sends an attachment uploaded straight to S3 through a presigned URL", async () => {
    const content = Buffer.from("Menu for the reunion: soup, roast, pie.\n");
    const upload = await outside.call<{ uploadUrl: string; s3Key: string }>("POST", "/messages/upload", {
      as: alice,
      body: { filename: "menu.txt", contentType: "text/plain", size: content.length },
    });
    expect(upload.status).toBe(200);
    const put = await fetch(upload.body.uploadUrl, {
      method: "PUT",
      headers: { "Content-Type": "text/plain" },
      body: content,
    });
    expect(put.status).toBe(200);
    const sent = await outside.call("POST", `/messages/conversations/${directId}`, {
      as: alice,
      body: {
        messageText: "Here is the menu",
        attachments: [
          { s3Key: upload.body.s3Key, filename: "menu.txt", contentType: "text/plain", size: content.length },
        ],
      },
    });
    expect(sent.status).toBe(201);
    const messages = await outside.call<{
      messages: Array<{ messageText: string; attachments: Array<{ s3Key: string }> }>;
    }>("GET", `/messages/conversations/${directId}?limit=1`, { as: bob });
    expect(messages.body.messages[0]).toMatchObject({
      messageText: "Here is the menu",
      attachments: [expect.objectContaining({ s3Key: upload.body.s3Key })],
    });
    const tooBig = await outside.call("POST", "/messages/upload", {
      as: alice,
      body: { filename: "huge.pdf", contentType: "application/pdf", size: 26 * 1024 * 1024 },
    });
    expect(tooBig.status).toBe(413);
  });

  it("emails the right people once per kind, and never the actor", async () => {
    // Alice commented before Bob, so Bob's two comments email her, once (debounced).
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
    await outside.call("POST", itemPath, { as: alice, body: { commentText: "Same time next year?" } });
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
      const profile = await outside.call<{ commentCount?: number }>("GET", `/profile/${alice.userId}`, {
        as: alice,
      });
      return profile.body.commentCount === 4;
    });
  });
});
