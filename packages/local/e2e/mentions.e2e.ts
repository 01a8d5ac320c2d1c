import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { readOutputs } from "../src/outputs.js";
import { Outside, type User } from "./client.js";
import { PushSocket } from "./push-socket.js";

/**
 * Mentions from outside: Ada comments on a letter, Ben comments too, and Cy's comment
 * mentions Ada. Ada hears of Cy's comment once, as a mention (by feed, email and push), never
 * also as "a new comment on an item you commented on"; Ben, who is not mentioned, hears of it
 * as that. Mentions of someone who may not read what mentions them are refused, and the
 * mention picker finds Ada by the first letters of her last name.
 */
const outputs = readOutputs(inject("outputsFile"));
const outside = new Outside(outputs);
// A last name of this run's own, with an accent, so the picker's answer is Ada alone.
const tag = Array.from(randomBytes(6), (byte) => "bcdfghjklmnpqrstvwxz"[byte % 20]).join("");
const lastName = `Märtensdóttir${tag}`;
let ada: User;
let ben: User;
let cy: User;
let dee: User;
let pending: User;
let adaSocket: PushSocket;

interface FeedEntry {
  kind: string;
  commentId: string | null;
  actor: { userId: string; displayName: string };
}
const feedOf = async (as: User) =>
  (await outside.call<{ notifications: FeedEntry[] }>("GET", "/notifications?limit=50", { as })).body
    .notifications;

beforeAll(async () => {
  [ada, ben, cy, dee, pending] = await Promise.all([
    outside.signUp("Ada", ["ApprovedUsers"]),
    outside.signUp("Ben", ["ApprovedUsers"]),
    outside.signUp("Cy", ["ApprovedUsers"]),
    outside.signUp("Dee", ["ApprovedUsers"]),
    outside.signUp("Pending", []),
  ]);
  const names = new Map([
    [ada, `Ada ${lastName}`],
    [ben, "Ben"],
    [cy, "Cy"],
    [dee, "Dee"],
  ]);
  for (const [user, displayName] of names) {
    const saved = await outside.call("PUT", "/profile", { as: user, body: { displayName } });
    expect(saved.status).toBe(200);
  }
  if (!outputs.WebSocketUrl) throw new Error("The outputs have no WebSocketUrl");
  adaSocket = await PushSocket.open(outputs.WebSocketUrl, ada.token);
});

afterAll(async () => {
  await adaSocket?.close();
});

describe("a comment that mentions Ada", () => {
  it("gives Ada one mention notification by feed, email and push, and Ben a commented-on one", async () => {
    const itemId = `/letters/1943-${Date.now()}`;
    const path = `/comments/${encodeURIComponent(itemId)}`;
    const itemTitle = "Letter from the front, 1943";
    const post = (as: User, body: Record<string, unknown>) =>
      outside.call<{ commentId: string; mentions: unknown }>("POST", path, {
        as,
        body: { itemTitle, ...body },
      });

    expect((await post(ada, { commentText: "Is this Grandpa's hand?" })).status).toBe(201);
    expect((await post(ben, { commentText: "It is, look at the g's" })).status).toBe(201);
    const cys = await post(cy, {
      commentText: `Ada ${lastName}, you kept the envelope?`,
      mentions: [ada.userId],
    });
    expect(cys.status).toBe(201);
    expect(cys.body.mentions).toEqual([{ userId: ada.userId, displayName: `Ada ${lastName}` }]);
    const cysId = cys.body.commentId;

    // The feed: one entry about Cy's comment, a mention.
    const adasEntries = await outside.eventually("Ada's feed to show Cy's mention", async () => {
      const entries = (await feedOf(ada)).filter((entry) => entry.commentId === cysId);
      return entries.length > 0 && entries;
    });
    const bensEntries = await outside.eventually("Ben's feed to show Cy's comment", async () => {
      const entries = (await feedOf(ben)).filter((entry) => entry.commentId === cysId);
      return entries.length > 0 && entries;
    });
    expect(adasEntries.map((entry) => entry.kind)).toEqual(["mention"]);
    expect(adasEntries[0]?.actor).toEqual({ userId: cy.userId, displayName: "Cy" });
    expect(bensEntries.map((entry) => entry.kind)).toEqual(["comment"]);

    // The push: notification.created of the mention, on Ada's open socket.
    const push = await adaSocket.next<{ notification: { kind: string; commentId: string } }>(
      "the mention's push",
      (frame) =>
        frame.type === "notification.created" &&
        (frame.notification as { commentId?: string } | undefined)?.commentId === cysId,
    );
    expect(push.notification.kind).toBe("mention");

    // The email: one, a mention (not a new-comment one too).
    const aboutCys = (mail: { body: { text?: string } }) =>
      !!mail.body.text?.includes("you kept the envelope?");
    const mails = await outside.eventually("Ada's mention email", async () => {
      const found = (await outside.inbox(ada.email)).filter(aboutCys);
      return found.length > 0 && found;
    });
    expect(mails.map((mail) => mail.subject)).toEqual([`Cy mentioned you on "${itemTitle}"`]);
    const bensMail = await outside.eventually("Ben's email about Cy's comment", async () =>
      (await outside.inbox(ben.email)).find(aboutCys),
    );
    expect(bensMail.subject).toBe(`New comment on "${itemTitle}"`);
    // Nothing more arrives for Ada about it (the processors are done with its records).
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect((await feedOf(ada)).filter((entry) => entry.commentId === cysId)).toHaveLength(1);
    expect((await outside.inbox(ada.email)).filter(aboutCys)).toHaveLength(1);
  });
});

describe("a thread on a letter: replies and a mention", () => {
  it("tells Ada of the reply that mentions her once, as a mention, Ben of the reply to him, and lists the thread", async () => {
    // Members of this story's own: what the others were sent this window doesn't hold its emails back.
    const [ada, ben, cy] = (await Promise.all(
      ["Ada-thread", "Ben-thread", "Cy-thread"].map((name) => outside.signUp(name, ["ApprovedUsers"])),
    )) as [User, User, User];
    for (const [user, displayName] of [
      [ada, `Ada Lind${tag}`],
      [ben, "Ben"],
      [cy, "Cy"],
    ] as const) {
      expect((await outside.call("PUT", "/profile", { as: user, body: { displayName } })).status).toBe(200);
    }
    const adaSocket = await PushSocket.open(outputs.WebSocketUrl!, ada.token);
    const itemId = `/letters/1951-${Date.now()}`;
    const path = `/comments/${encodeURIComponent(itemId)}`;
    const itemTitle = "Letter from Aunt Ruth, 1951";
    const post = (as: User, body: Record<string, unknown>) =>
      outside.call<{ commentId: string; replyTo: string | null; threadId: string | null }>("POST", path, {
        as,
        body: { itemTitle, ...body },
      });

    const adas = await post(ada, { commentText: "Who is the girl on the left?" });
    expect(adas.status).toBe(201);
    const bens = await post(ben, { commentText: "Aunt Ruth, I think", replyTo: adas.body.commentId });
    expect(bens.status).toBe(201);
    const cys = await post(cy, {
      commentText: `Ada Lind${tag}, Ben is right: it is Ruth`,
      replyTo: bens.body.commentId,
      mentions: [ada.userId],
    });
    expect(cys.status).toBe(201);
    // A reply to a reply joins the top comment's thread and keeps whom it answers.
    expect(cys.body).toMatchObject({ replyTo: bens.body.commentId, threadId: adas.body.commentId });
    const cysId = cys.body.commentId;

    // Ada: one notification about Cy's reply, the mention (not a reply one too).
    const adasEntries = await outside.eventually("Ada's feed to show Cy's mention", async () => {
      const entries = (await feedOf(ada)).filter((entry) => entry.commentId === cysId);
      return entries.length > 0 && entries;
    });
    expect(adasEntries.map((entry) => entry.kind)).toEqual(["mention"]);
    const push = await adaSocket.next<{ notification: { kind: string; commentId: string } }>(
      "the mention's push",
      (frame) =>
        frame.type === "notification.created" &&
        (frame.notification as { commentId?: string } | undefined)?.commentId === cysId,
    );
    expect(push.notification.kind).toBe("mention");
    const aboutCys = (mail: { body: { text?: string } }) => !!mail.body.text?.includes("Ben is right");
    const mails = await outside.eventually("Ada's mention email", async () => {
      const found = (await outside.inbox(ada.email)).filter(aboutCys);
      return found.length > 0 && found;
    });
    expect(mails).toHaveLength(1);
    expect(mails[0]?.subject).toContain("mentioned you");

    // Ben: a reply notification (Cy answered him).
    const bensEntries = await outside.eventually("Ben's feed to show Cy's reply", async () => {
      const entries = (await feedOf(ben)).filter((entry) => entry.commentId === cysId);
      return entries.length > 0 && entries;
    });
    expect(bensEntries.map((entry) => entry.kind)).toEqual(["reply"]);

    // The item lists Ada's comment with both replies, in order.
    const listed = await outside.call<{
      comments: { commentId: string; replyCount: number; replies: { commentId: string }[] }[];
    }>("GET", `${path}?limit=10`, { as: dee });
    expect(listed.status).toBe(200);
    expect(listed.body.comments.map((comment) => comment.commentId)).toEqual([adas.body.commentId]);
    expect(listed.body.comments[0]?.replyCount).toBe(2);
    expect(listed.body.comments[0]?.replies.map((reply) => reply.commentId)).toEqual([
      bens.body.commentId,
      cysId,
    ]);

    // Nothing more arrives for Ada about it.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect((await feedOf(ada)).filter((entry) => entry.commentId === cysId)).toHaveLength(1);
    expect((await outside.inbox(ada.email)).filter(aboutCys)).toHaveLength(1);
    await adaSocket.close();
  });
});

describe("who may be mentioned", () => {
  it("refuses a non-member on a comment and a member outside the conversation on a message, with 400", async () => {
    const itemPath = `/comments/${encodeURIComponent(`/letters/1944-${Date.now()}`)}`;
    const notMember = await outside.call<{ error: { message: string } }>("POST", itemPath, {
      as: ada,
      body: { commentText: "Hello", mentions: [ben.userId, pending.userId] },
    });
    expect(notMember.status).toBe(400);
    expect(notMember.body.error.message).toBe("mentions[1] is not a member of the family archive");

    const started = await outside.call<{ conversationId: string }>("POST", "/messages/conversations", {
      as: ada,
      body: { participantIds: [ben.userId], messageText: "Just us" },
    });
    expect(started.status).toBe(201);
    const outsider = await outside.call<{ error: { message: string } }>(
      "POST",
      `/messages/conversations/${encodeURIComponent(started.body.conversationId)}`,
      { as: ada, body: { messageText: "Dee?", mentions: [dee.userId] } },
    );
    expect(outsider.status).toBe(400);
    expect(outsider.body.error.message).toBe("mentions[0] is not a member of this conversation");
  });
});

describe("GET /members?prefix=", () => {
  it("finds Ada by the first letters of her last name, whatever the case and accents", async () => {
    const prefix = `MARTENSDOTTIR${tag.slice(0, 3).toUpperCase()}`;
    const page = await outside.eventually("the name index to list Ada", async () => {
      const found = await outside.call<{ members: { userId: string; displayName: string }[] }>(
        "GET",
        `/members?prefix=${encodeURIComponent(prefix)}&limit=10`,
        { as: ben },
      );
      expect(found.status).toBe(200);
      return found.body.members.length > 0 && found.body;
    });
    expect(page.members).toEqual([
      { userId: ada.userId, displayName: `Ada ${lastName}`, profilePhotoUrl: null },
    ]);
  });
});
