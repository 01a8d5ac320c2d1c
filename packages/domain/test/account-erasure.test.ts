import { randomUUID } from "node:crypto";
import { GetCommand } from "@aws-sdk/lib-dynamodb";
import { describe, expect, it } from "vitest";
import { AccountDeletedError } from "../src/errors.js";
import { windowOf } from "../src/repositories/rate-limits.js";
import { DELETED_MESSAGE_PREVIEW } from "../src/rules/conversations.js";
import { FORMER_MEMBER } from "../src/rules/names.js";
import { DEFAULT_RATE_LIMITS } from "../src/rules/rate-limits.js";
import { member, useTestDatabase } from "./helpers.js";

/** The repository steps of an account deletion, each safe to repeat. */
const db = useTestDatabase("account-erasure");
const id = (name: string) => `${name}-${randomUUID().slice(0, 8)}`;

async function aComment(userId: string, text = "What a day") {
  return db().repositories.comments.create({
    itemId: "/2019/wedding",
    userId,
    userName: userId,
    userPhotoUrl: "https://photos.example/me.jpg",
    commentText: text,
    itemTitle: "Wedding",
  });
}

async function counts(itemId: string, commentId: string) {
  const { comments } = db().repositories;
  return [
    (await comments.get(itemId, commentId, true))?.reactionCount,
    (await comments.locate(commentId))?.reactionCount,
  ];
}

describe("taking back a leaving member's reactions", () => {
  it("removes the row and decrements the count once, however often or concurrently it is asked", async () => {
    const { reactions } = db().repositories;
    const [leaver, other] = [id("leaver"), id("other")];
    const comment = await aComment(id("author"));
    await reactions.toggle(comment.commentId, leaver);
    await reactions.toggle(comment.commentId, other);
    const [reaction] = (await reactions.listByUser(leaver, { limit: 10 })).items;
    expect(reaction).toMatchObject({ commentId: comment.commentId, itemId: comment.itemId });

    const outcomes = await Promise.all([1, 2, 3].map(() => reactions.removeForErasure(reaction!)));
    expect(outcomes.filter(Boolean)).toHaveLength(1);
    expect(await reactions.removeForErasure(reaction!)).toBe(false);
    expect(await counts(comment.itemId, comment.commentId)).toEqual([1, 1]);
    expect(await reactions.get(comment.commentId, leaver, true)).toBeNull();
    expect(await reactions.get(comment.commentId, other, true)).not.toBeNull();
  });

  it("decrements a soft-deleted comment too, so its count stays exact", async () => {
    const { reactions, comments } = db().repositories;
    const [leaver, author] = [id("leaver"), id("author")];
    const comment = await aComment(author);
    await reactions.toggle(comment.commentId, leaver);
    await comments.softDelete(comment.itemId, comment.commentId, member(author), { asAdmin: false });
    expect(
      await reactions.removeForErasure({
        commentId: comment.commentId,
        itemId: comment.itemId,
        userId: leaver,
      }),
    ).toBe(true);
    expect(await counts(comment.itemId, comment.commentId)).toEqual([0, 0]);
  });

  it("lists a member's reactions a page at a time, oldest first", async () => {
    const { reactions } = db().repositories;
    const leaver = id("leaver");
    const liked = [];
    for (let i = 0; i < 5; i++) {
      const comment = await aComment(id("author"));
      await reactions.toggle(comment.commentId, leaver);
      liked.push(comment.commentId);
    }
    const first = await reactions.listByUser(leaver, { limit: 3 });
    const second = await reactions.listByUser(leaver, { after: first.lastKey, limit: 3 });
    expect([...first.items, ...second.items].map((r) => r.commentId)).toEqual(liked);
    expect(second.items).toHaveLength(2);
  });
});

describe("erasing a leaving member's comments", () => {
  it("soft-deletes with text, history, name and photo gone, once, and only the author's", async () => {
    const { comments } = db().repositories;
    const [leaver, other] = [id("leaver"), id("other")];
    const comment = await aComment(leaver, "secret");
    await comments.edit(comment.itemId, comment.commentId, member(leaver), "secret, edited");
    const alreadyDeleted = await aComment(leaver, "deleted secret");
    const { deletedAt } = await comments.softDelete(
      alreadyDeleted.itemId,
      alreadyDeleted.commentId,
      member(leaver),
      { asAdmin: false },
    );
    const others = await aComment(other, "stays");

    expect(await comments.eraseByAuthor(comment)).toBe(true);
    expect(await comments.eraseByAuthor(comment)).toBe(false);
    expect(await comments.eraseByAuthor(alreadyDeleted)).toBe(true);
    // Named as the leaver's, but not theirs: left alone.
    expect(await comments.eraseByAuthor({ ...others, userId: leaver })).toBe(false);

    const erased = await comments.get(comment.itemId, comment.commentId, true);
    expect(erased).toMatchObject({
      commentText: "",
      editHistory: [],
      userName: FORMER_MEMBER,
      userPhotoUrl: null,
      deletedBy: leaver,
    });
    expect(erased?.erasedAt).toBeDefined();
    expect((await comments.locate(comment.commentId))?.deletedAt).toBe(erased?.deletedAt);
    expect((await comments.get(alreadyDeleted.itemId, alreadyDeleted.commentId, true))?.deletedAt).toBe(
      deletedAt,
    );
    expect(await comments.get(others.itemId, others.commentId, true)).toEqual(others);
    expect((await comments.listAllByUser(leaver, { limit: 10 })).items).toHaveLength(2);
    expect((await comments.listByUser(leaver, { limit: 10 })).items).toEqual([]);
  });
});

describe("erasing a leaving member's messages and memberships", () => {
  async function conversation(participantIds: string[]) {
    const conversationId = id("conv");
    await db().repositories.conversations.create({
      conversationId,
      conversationType: participantIds.length === 2 ? "direct" : "group",
      participantIds,
      title: null,
    });
    return conversationId;
  }
  const say = (conversationId: string, senderId: string, messageText: string) =>
    db().repositories.conversations.sendMessage({
      conversationId,
      senderId,
      senderName: senderId,
      messageText,
      attachments: [],
    });

  it("erases only the sender's messages, once, and takes them out of a direct conversation the other keeps", async () => {
    const { conversations } = db().repositories;
    const [leaver, ann] = [id("leaver"), id("ann")];
    const conversationId = await conversation([leaver, ann]);
    await say(conversationId, ann, "hello");
    const theirs = await say(conversationId, leaver, "secret");

    const { items } = await conversations.listMessagesBySender(conversationId, leaver, { limit: 10 });
    expect(items.map((m) => m.messageId)).toEqual([theirs.messageId]);
    expect(await conversations.eraseMessage(theirs)).toMatchObject({ messageText: "secret" });
    expect(await conversations.eraseMessage(theirs)).toBeNull();
    expect(await conversations.getMessage(conversationId, theirs.messageId)).toMatchObject({
      deleted: true,
      messageText: "",
      attachments: [],
      senderName: FORMER_MEMBER,
    });

    expect(await conversations.removeFormerMember(leaver, conversationId)).toBe(true);
    expect(await conversations.removeFormerMember(leaver, conversationId)).toBe(false);
    const annRow = await conversations.getMembership(ann, conversationId);
    expect(annRow).toMatchObject({ participantIds: [ann], lastMessagePreview: DELETED_MESSAGE_PREVIEW });
    // Ann can still write in it.
    await say(conversationId, ann, "still here");
    expect((await conversations.getMembership(ann, conversationId))?.lastMessagePreview).toBe("still here");
  });

  it("leaves the others' preview alone when the last message is not the leaver's", async () => {
    const { conversations } = db().repositories;
    const [leaver, ann, ben] = [id("leaver"), id("ann"), id("ben")];
    const conversationId = await conversation([leaver, ann, ben]);
    await say(conversationId, leaver, "secret");
    await say(conversationId, ben, "Ben's word");
    expect(await conversations.removeFormerMember(leaver, conversationId)).toBe(true);
    for (const userId of [ann, ben]) {
      expect(await conversations.getMembership(userId, conversationId)).toMatchObject({
        participantIds: [ann, ben],
        lastMessagePreview: "Ben's word",
      });
    }
  });
});

describe("removing a leaving member's records", () => {
  it("deletes their current and previous rate-limit windows by key, nobody else's", async () => {
    const { doc, tables, repositories } = db();
    const [leaver, other] = [id("leaver"), id("other")];
    const start = windowOf(new Date(), DEFAULT_RATE_LIMITS.comments.windowSeconds).start;
    await repositories.rateLimits.consume(leaver, "comments", DEFAULT_RATE_LIMITS.comments);
    await repositories.rateLimits.consume(leaver, "uploads", DEFAULT_RATE_LIMITS.uploads);
    await repositories.rateLimits.consume(other, "comments", DEFAULT_RATE_LIMITS.comments);
    expect(await repositories.rateLimits.removeRecentWindows(leaver, DEFAULT_RATE_LIMITS)).toBe(2);
    expect(await repositories.rateLimits.removeRecentWindows(leaver, DEFAULT_RATE_LIMITS)).toBe(0);
    const row = await doc.send(
      new GetCommand({ TableName: tables.RateLimits, Key: { windowKey: `${other}#comments#${start}` } }),
    );
    expect(row.Item).toBeDefined();
  });

  it("replaces the profile row, counters and all, with a bare tombstone", async () => {
    const { doc, tables, repositories } = db();
    const { profiles } = repositories;
    const leaver = id("leaver");
    await profiles.upsert(leaver, { displayName: "Lee" }, { email: `${leaver}@example.com`, isMember: true });
    await profiles.addToCommentCount(leaver, 3);
    expect(await profiles.isDeleted(leaver)).toBe(false);
    expect(await profiles.tombstone(leaver)).toBe(true);
    expect(await profiles.tombstone(leaver)).toBe(false);
    expect(await profiles.get(leaver)).toBeNull();
    expect(await profiles.isDeleted(leaver)).toBe(true);
    expect(await profiles.findByEmail(`${leaver}@example.com`)).toBeNull();
    const row = await doc.send(new GetCommand({ TableName: tables.UserProfiles, Key: { userId: leaver } }));
    expect(Object.keys(row.Item ?? {}).sort()).toEqual(["deletedAt", "userId"]);
  });
});

describe("a deleted member's tombstone", () => {
  async function tombstoned() {
    const { profiles } = db().repositories;
    const leaver = id("leaver");
    await profiles.upsert(leaver, { displayName: "Lee" }, { isMember: true });
    await profiles.tombstone(leaver);
    return leaver;
  }

  async function rowOf(userId: string) {
    const { doc, tables } = db();
    return (await doc.send(new GetCommand({ TableName: tables.UserProfiles, Key: { userId } }))).Item;
  }

  it("refuses a profile save (an unexpired token's PUT /profile)", async () => {
    const leaver = await tombstoned();
    await expect(db().repositories.profiles.upsert(leaver, { displayName: "Back" })).rejects.toBeInstanceOf(
      AccountDeletedError,
    );
    expect(await db().repositories.profiles.get(leaver)).toBeNull();
    expect(Object.keys((await rowOf(leaver)) ?? {}).sort()).toEqual(["deletedAt", "userId"]);
  });

  it("refuses the sign-in trigger's profile", async () => {
    const leaver = await tombstoned();
    await expect(
      db().repositories.profiles.ensureOnSignIn(leaver, { displayName: "Lee", isMember: true }),
    ).rejects.toBeInstanceOf(AccountDeletedError);
    expect(await db().repositories.profiles.listMembers({ limit: 100 })).not.toContainEqual(
      expect.objectContaining({ userId: leaver }),
    );
  });

  it("leaves late activity (last active, comment count) unrecorded", async () => {
    const { profiles } = db().repositories;
    const leaver = await tombstoned();
    expect(await profiles.touchLastActive(leaver, new Date().toISOString())).toBe(false);
    await profiles.addToCommentCount(leaver, 1);
    expect(Object.keys((await rowOf(leaver)) ?? {}).sort()).toEqual(["deletedAt", "userId"]);
  });

  it("is written even where there was no profile, and kept when written again", async () => {
    const { profiles } = db().repositories;
    const stranger = id("stranger");
    expect(await profiles.tombstone(stranger)).toBe(false);
    const first = (await rowOf(stranger))?.deletedAt;
    expect(typeof first).toBe("string");
    await profiles.tombstone(stranger);
    expect((await rowOf(stranger))?.deletedAt).toBe(first);
    expect(await profiles.touchLastActive(stranger, new Date().toISOString())).toBe(false);
  });
});

describe("forgetting a leaving member in the others' feeds", () => {
  it("shows a former member without the preview, once, and never brings back an entry that went", async () => {
    const { notifications } = db().repositories;
    const [leaver, ann, ben] = [id("leaver"), id("ann"), id("ben")];
    await notifications.addForRecipients([ann, ben], {
      sourceEventId: `${leaver}-1`,
      kind: "message",
      actor: { userId: leaver, displayName: "Lee" },
      conversationId: "c1",
      text: "A private word",
      createdAt: new Date().toISOString(),
    });
    const { items } = await notifications.listByActor(leaver, { limit: 10 });
    expect(items.map((key) => key.userId).sort()).toEqual([ann, ben].sort());
    const [annEntry] = (await notifications.list(ann, { limit: 1 })).items;
    await notifications.removeAllForUser(ben);
    const changed = await Promise.all(items.map((key) => notifications.forgetActor(key)));
    expect(changed.filter(Boolean)).toHaveLength(1);
    expect(await notifications.forgetActor({ userId: ann, notificationId: annEntry!.notificationId })).toBe(
      false,
    );
    const [forgotten] = (await notifications.list(ann, { limit: 1 })).items;
    expect(forgotten).toMatchObject({ actor: { userId: leaver, displayName: FORMER_MEMBER }, preview: "" });
    expect((await notifications.list(ben, { limit: 10 })).items).toEqual([]);
  });
});
