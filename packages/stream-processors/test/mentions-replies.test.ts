import { PutCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { type Comment, NOTIFICATION_PREFERENCE_OF, type NotificationKind } from "@hearth/domain";
import { describe, expect, it } from "vitest";
import { commentAudience } from "../src/notifications/notify.js";
import {
  commentBy,
  emailOf,
  type Harness,
  membersWithProfiles,
  saveProfile,
  uniqueId,
  useHarness,
} from "./helpers.js";

/**
 * Who hears about a comment, a reply or a message that mentions people: each person at most
 * once, of the most specific kind (a mention beats a reply, a reply beats "a new comment on an
 * item you commented on"), never the actor, by feed and by email with its own preference and
 * unsubscribe kind. Replies are written as raw items (the reply route is not part of this
 * package): a reply carries `replyTo`, `threadId` and both authors, which is all the processor reads.
 */
const harness = useHarness("mentions");

/** The kinds of each member's feed entries (newest first). */
async function feedKinds(h: Harness, userId: string): Promise<NotificationKind[]> {
  const page = await h.db.repositories.notifications.list(userId, { limit: 50 });
  return page.items.map((entry) => entry.kind);
}

/** The kind of unsubscribe link each email to `userId` carries. */
function unsubscribeKindsOf(h: Harness, userId: string): NotificationKind[] {
  return h
    .sentEmails()
    .filter((email) => email.Destination?.ToAddresses?.[0] === emailOf(userId))
    .map((email) => {
      const header = email.Content?.Simple?.Headers?.find((h) => h.Name === "List-Unsubscribe")?.Value ?? "";
      const token = new URL(/^<(.+)>$/.exec(header)?.[1] ?? "").searchParams.get("token") ?? "";
      return h.deps.unsubscribeTokens.verify(token, new Date()).kind;
    });
}

const subjectsTo = (h: Harness, userId: string) =>
  h
    .sentEmails()
    .filter((email) => email.Destination?.ToAddresses?.[0] === emailOf(userId))
    .map((email) => email.Content?.Simple?.Subject?.Data);

const CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
/**
 * A ULID-shaped id that sorts after every comment id written before this call and before every
 * one written after it (the repository's ULIDs): a millisecond of its own on both sides.
 */
async function timeSortedId(): Promise<string> {
  const pause = () => new Promise((resolve) => setTimeout(resolve, 3));
  await pause();
  let time = Date.now();
  let encoded = "";
  for (let i = 0; i < 10; i++) {
    encoded = CROCKFORD[time % 32] + encoded;
    time = Math.floor(time / 32);
  }
  await pause();
  return `${encoded}${"0".repeat(16)}`;
}

/** A reply stored as the reply route stores one: its thread and the authors it answers ride along. */
async function writeReply(
  h: Harness,
  reply: {
    itemId: string;
    userId: string;
    text: string;
    answering: Comment;
    top: Comment;
    mentions?: string[];
  },
): Promise<Comment> {
  const now = new Date().toISOString();
  const item: Comment = {
    ...commentBy(reply.userId, reply.itemId, reply.text),
    commentId: await timeSortedId(),
    createdAt: now,
    updatedAt: now,
    isEdited: false,
    editHistory: [],
    reactionCount: 0,
    version: 1,
    replyTo: reply.answering.commentId,
    threadId: reply.top.commentId,
    replyToUserId: reply.answering.userId,
    threadUserId: reply.top.userId,
    ...(reply.mentions ? { mentions: reply.mentions } : {}),
  };
  await h.db.doc.send(new PutCommand({ TableName: h.db.tables.Comments, Item: item }));
  return item;
}

describe("who hears about a comment", () => {
  it("decides each person's one notification: mention, then reply, then commented-on; never the actor", () => {
    const reply = {
      userId: "cy",
      mentions: ["ada", "cy", "dee", "ada"],
      replyTo: "c-ben",
      replyToUserId: "ben",
      threadId: "c-ada",
      threadUserId: "ada",
    };
    expect(commentAudience(reply, ["ada", "ben", "eve", "cy", "dee"])).toEqual({
      mention: ["ada", "dee"],
      reply: ["ben"],
      comment: ["eve"],
    });
    // A reply to the top comment: its author is answered once, as a reply.
    expect(
      commentAudience(
        { userId: "ben", replyTo: "c-ada", replyToUserId: "ada", threadId: "c-ada", threadUserId: "ada" },
        ["ada", "eve"],
      ),
    ).toEqual({ mention: [], reply: ["ada"], comment: ["eve"] });
    // Answering oneself in one's own thread tells nobody but the other commenters.
    expect(
      commentAudience(
        { userId: "ada", replyTo: "c-ada", replyToUserId: "ada", threadId: "c-ada", threadUserId: "ada" },
        ["ada", "eve"],
      ),
    ).toEqual({ mention: [], reply: [], comment: ["eve"] });
  });

  it("a reply that mentions: one feed entry and one email per person, of the most specific kind", async () => {
    const h = harness();
    const itemId = `/letters/${uniqueId("letter")}`;
    const [ada, ben, cy, dee, eve] = await membersWithProfiles(h, "ada", "ben", "cy", "dee", "eve");
    const { comments } = h.db.repositories;
    const adas = await comments.create(commentBy(ada, itemId, "Is this grandma?"));
    const bens = await writeReply(h, { itemId, userId: ben, text: "I think so", answering: adas, top: adas });
    await comments.create(commentBy(eve, itemId, "What a letter"));
    await h.tap.skip("Comments");

    // Cy answers Ben's reply in Ada's thread, mentioning Ada, Dee and himself.
    await writeReply(h, {
      itemId,
      userId: cy,
      text: "Ada, Dee: it is her",
      answering: bens,
      top: adas,
      mentions: [ada, dee, cy],
    });
    const record = await h.tap.takeOne("Comments");
    expect((await h.process("notifications", [record])).batchItemFailures).toEqual([]);

    expect(await feedKinds(h, ada)).toEqual(["mention"]);
    expect(await feedKinds(h, dee)).toEqual(["mention"]);
    expect(await feedKinds(h, ben)).toEqual(["reply"]);
    expect(await feedKinds(h, eve)).toEqual(["comment"]);
    expect(await feedKinds(h, cy)).toEqual([]);
    expect(h.recipientsOfSent()).toEqual([ada, ben, dee, eve].map(emailOf).sort());
    expect(subjectsTo(h, ada)).toEqual([`${cy} mentioned you on "Christmas 2015"`]);
    expect(subjectsTo(h, ben)).toEqual([`${cy} replied to your comment on "Christmas 2015"`]);
    expect(subjectsTo(h, eve)).toEqual(['New comment on "Christmas 2015"']);
    // Each email's one-click link turns off its own kind.
    expect(unsubscribeKindsOf(h, ada)).toEqual(["mention"]);
    expect(unsubscribeKindsOf(h, ben)).toEqual(["reply"]);
    expect(unsubscribeKindsOf(h, eve)).toEqual(["comment"]);

    // The same record delivered again notifies nobody twice: no feed entry, no email.
    const sentBefore = h.sentEmails().length;
    expect((await h.process("notifications", [record])).batchItemFailures).toEqual([]);
    expect(h.sentEmails()).toHaveLength(sentBefore);
    for (const [userId, kinds] of [
      [ada, ["mention"]],
      [ben, ["reply"]],
      [dee, ["mention"]],
      [eve, ["comment"]],
    ] as const) {
      expect(await feedKinds(h, userId)).toEqual(kinds);
      expect(await h.db.repositories.notifications.unreadCount(userId)).toBe(kinds.length);
    }
  });

  it("tells the thread's top author too, as a reply in their thread", async () => {
    const h = harness();
    const itemId = `/letters/${uniqueId("letter")}`;
    const [ada, ben, cy] = await membersWithProfiles(h, "ada", "ben", "cy");
    const { comments } = h.db.repositories;
    const adas = await comments.create(commentBy(ada, itemId));
    const bens = await writeReply(h, { itemId, userId: ben, text: "Yes", answering: adas, top: adas });
    await h.tap.skip("Comments");
    await writeReply(h, { itemId, userId: cy, text: "No", answering: bens, top: adas });
    await h.process("notifications", [await h.tap.takeOne("Comments")]);

    expect(await feedKinds(h, ada)).toEqual(["reply"]);
    expect(await feedKinds(h, ben)).toEqual(["reply"]);
    expect(subjectsTo(h, ada)).toEqual([`${cy} replied in your thread on "Christmas 2015"`]);
    expect(subjectsTo(h, ben)).toEqual([`${cy} replied to your comment on "Christmas 2015"`]);
  });

  it("only current members: a mentioned member let out since gets nothing", async () => {
    const h = harness();
    const itemId = `/letters/${uniqueId("letter")}`;
    const [ada, ben] = await membersWithProfiles(h, "ada", "ben");
    await h.tap.skip("Comments");
    await h.db.repositories.comments.create({ ...commentBy(ben, itemId), mentions: [ada] });
    await h.db.repositories.profiles.ensureOnSignIn(ada, { displayName: ada, isMember: false });
    await h.process("notifications", [await h.tap.takeOne("Comments")]);
    expect(await feedKinds(h, ada)).toEqual([]);
    expect(h.sentEmails()).toEqual([]);
  });
});

describe("mention and reply emails", () => {
  it("each has its own preference: off means a feed entry and no email", async () => {
    const h = harness();
    const itemId = `/letters/${uniqueId("letter")}`;
    const [ada, ben, cy] = await membersWithProfiles(h, "ada", "ben", "cy");
    await saveProfile(h, ada, { preferences: { mentions: false } });
    await saveProfile(h, ben, { preferences: { replies: false } });
    const { comments } = h.db.repositories;
    const bens = await comments.create(commentBy(ben, itemId));
    await h.tap.skip("Comments");
    await writeReply(h, { itemId, userId: cy, text: "Ada?", answering: bens, top: bens, mentions: [ada] });
    await h.process("notifications", [await h.tap.takeOne("Comments")]);

    expect(await feedKinds(h, ada)).toEqual(["mention"]);
    expect(await feedKinds(h, ben)).toEqual(["reply"]);
    expect(h.sentEmails()).toEqual([]);
    // The other kinds stay on.
    const profile = await h.db.repositories.profiles.get(ada);
    expect(profile?.notificationPreferences).toEqual({
      comments: true,
      reactions: true,
      messages: true,
      replies: true,
      mentions: false,
    });
  });

  it("an unsubscribe link turns off only its own kind", async () => {
    const h = harness();
    const [ada] = await membersWithProfiles(h, "ada");
    for (const kind of ["mention", "reply"] as const) {
      const token = h.deps.unsubscribeTokens.issue(ada, kind, new Date());
      const claim = h.deps.unsubscribeTokens.verify(token, new Date());
      expect(claim.kind).toBe(kind);
      await h.db.repositories.profiles.turnOffNotifications(ada, NOTIFICATION_PREFERENCE_OF[claim.kind]);
    }
    expect((await h.db.repositories.profiles.get(ada))?.notificationPreferences).toEqual({
      comments: true,
      reactions: true,
      messages: true,
      replies: false,
      mentions: false,
    });
  });

  it("mentions held in the window come as one digest, ending with the Manage notifications link", async () => {
    const h = harness();
    const [ada, ben, cy] = await membersWithProfiles(h, "ada", "ben", "cy");
    await h.tap.skip("Comments");
    const { comments } = h.db.repositories;
    const first = `/letters/${uniqueId("letter")}`;
    const second = `/photos/${uniqueId("photo")}`;
    await comments.create({ ...commentBy(ben, first, "Ada, look"), mentions: [ada] });
    await comments.create({ ...commentBy(cy, first, "Ada, again"), mentions: [ada] });
    await comments.create({ ...commentBy(cy, second, "And here", "Summer 1962"), mentions: [ada] });
    const records = await h.tap.take("Comments");
    for (const record of records) await h.process("notifications", [record]);

    expect(subjectsTo(h, ada)).toEqual([`${ben} mentioned you on "Christmas 2015"`]);
    const [schedule, ...more] = h.schedules();
    expect(more).toEqual([]);
    h.ses.resetHistory();
    expect(await h.fire(schedule!)).toEqual({ status: "sent", listed: 2 });
    const [digest] = h.sentEmails();
    expect(digest?.Content?.Simple?.Subject?.Data).toBe(
      '1 new mention in "Christmas 2015" and 1 in "Summer 1962"',
    );
    const text = digest?.Content?.Simple?.Body?.Text?.Data ?? "";
    expect(text).toContain(`1 new mention in "Christmas 2015" from ${cy}`);
    expect(text.trimEnd().split("\n").at(-1)).toBe("Manage notifications: https://hearth.example/profile");
    expect(digest?.Content?.Simple?.Body?.Html?.Data).toMatch(
      /<a href="https:\/\/hearth\.example\/profile">Manage notifications<\/a><\/p>\n<\/body><\/html>$/,
    );
    expect(unsubscribeKindsOf(h, ada)).toEqual(["mention"]);
  });
});

describe("an edit that adds mentions", () => {
  it("tells only the newly mentioned, once, and no other change of the comment tells anyone", async () => {
    const h = harness();
    const itemId = `/letters/${uniqueId("letter")}`;
    const [ada, ben, cy] = await membersWithProfiles(h, "ada", "ben", "cy");
    const { comments } = h.db.repositories;
    await h.tap.skip("Comments");
    const comment = await comments.create({ ...commentBy(cy, itemId, "Ada?"), mentions: [ada] });
    await h.process("notifications", await h.tap.take("Comments"));
    expect(await feedKinds(h, ada)).toEqual(["mention"]);

    const caller = { userId: cy, groups: ["ApprovedUsers"] };
    await comments.edit(itemId, comment.commentId, caller, "Ada? Ben?", { mentions: [ada, ben] });
    // A like changes the comment (its count) but adds nobody.
    await h.db.doc.send(
      new UpdateCommand({
        TableName: h.db.tables.Comments,
        Key: { itemId, commentId: comment.commentId },
        UpdateExpression: "ADD reactionCount :one",
        ExpressionAttributeValues: { ":one": 1 },
      }),
    );
    // An edit that keeps the same people (or drops one) adds nobody either.
    await comments.edit(itemId, comment.commentId, caller, "Ben?", { mentions: [ben] });
    const records = await h.tap.take("Comments");
    expect(records).toHaveLength(3);
    for (const record of records) {
      expect((await h.process("notifications", [record])).batchItemFailures).toEqual([]);
    }
    // Delivered again: nothing new.
    await h.process("notifications", records);

    expect(await feedKinds(h, ada)).toEqual(["mention"]);
    expect(await feedKinds(h, ben)).toEqual(["mention"]);
    expect(h.recipientsOfSent()).toEqual([ada, ben].map(emailOf).sort());
  });
});

describe("a message that mentions participants", () => {
  it("gives the mentioned a mention and the others a message notification, once each", async () => {
    const h = harness();
    const [ada, ben, cy] = await membersWithProfiles(h, "ada", "ben", "cy");
    const conversationId = uniqueId("grp");
    const { conversations } = h.db.repositories;
    await conversations.create({
      conversationId,
      conversationType: "group",
      participantIds: [ada, ben, cy],
      title: "Cousins",
    });
    await h.tap.skip("Messages");
    await conversations.sendMessage({
      conversationId,
      senderId: cy,
      senderName: cy,
      messageText: "Ada, the photos",
      attachments: [],
      mentions: [ada, cy],
    });
    const record = await h.tap.takeOne("Messages");
    await h.process("notifications", [record]);
    await h.process("notifications", [record]);

    expect(await feedKinds(h, ada)).toEqual(["mention"]);
    expect(await feedKinds(h, ben)).toEqual(["message"]);
    expect(await feedKinds(h, cy)).toEqual([]);
    expect(subjectsTo(h, ada)).toEqual([`${cy} mentioned you in "Cousins"`]);
    expect(subjectsTo(h, ben)).toEqual([`New message from ${cy} in "Cousins"`]);
    const entry = (await h.db.repositories.notifications.list(ada, { limit: 1 })).items[0];
    expect(entry).toMatchObject({
      kind: "mention",
      conversationId,
      itemId: null,
      preview: "Ada, the photos",
    });
  });
});
