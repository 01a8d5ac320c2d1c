import { MessageRejected, SendEmailCommand } from "@aws-sdk/client-sesv2";
import { type Notification, NotificationsRepository, sanitizeText, ThrottledError } from "@hearth/domain";
import { describe, expect, it } from "vitest";
import { notificationProcessorDependencies } from "../src/notifications/build.js";
import {
  batchOf,
  commentBy,
  conversationWithMessage,
  emailOf,
  type Harness,
  lambdaContext,
  membersWithProfiles,
  saveProfile,
  uniqueId,
  useHarness,
} from "./helpers.js";

const harness = useHarness("feed");

async function feedOf(h: Harness, userId: string): Promise<{ items: Notification[]; unreadCount: number }> {
  return h.db.repositories.notifications.list(userId, { limit: 100 });
}

/** Alice commented on an item, then Bob did: the stream record of Bob's comment. */
async function bobRepliesToAlice(h: Harness) {
  const itemId = `/feed/${uniqueId("item")}`;
  const [alice, bob] = await membersWithProfiles(h, "alice", "bob");
  await h.db.repositories.comments.create(commentBy(alice, itemId));
  await h.tap.skip("Comments");
  await h.db.repositories.comments.create(commentBy(bob, itemId));
  return { alice, record: await h.tap.takeOne("Comments") };
}

describe("the in-app feed", () => {
  it("gets one entry per recipient of a comment, never the author, whatever the email preferences", async () => {
    const h = harness();
    const itemId = `/feed/${uniqueId("item")}`;
    const [alice, bob] = await membersWithProfiles(h, "alice", "bob");
    const quiet = uniqueId("quiet");
    await saveProfile(h, quiet, { preferences: { comments: false } });
    const noAddress = uniqueId("noaddress");
    await saveProfile(h, noAddress, { email: null });
    for (const userId of [alice, quiet, noAddress]) {
      await h.db.repositories.comments.create(commentBy(userId, itemId));
    }
    await h.tap.skip("Comments");
    // Stored as POST /comments stores it: reduced to plain text (the preview only flattens it).
    const text = sanitizeText("<b>Look</b> at   this\n\nphoto", "commentText", { min: 1, max: 2000 });
    const bobs = await h.db.repositories.comments.create(commentBy(bob, itemId, text, "Christmas 2015"));

    const response = await h.process("notifications", [await h.tap.takeOne("Comments")]);

    expect(response.batchItemFailures).toEqual([]);
    expect(h.recipientsOfSent()).toEqual([emailOf(alice)]);
    for (const recipient of [alice, quiet, noAddress]) {
      const feed = await feedOf(h, recipient);
      expect(feed.unreadCount, recipient).toBe(1);
      expect(feed.items).toHaveLength(1);
      expect(feed.items[0]).toMatchObject({
        kind: "comment",
        actor: { userId: bob, displayName: bob },
        itemId,
        itemTitle: "Christmas 2015",
        commentId: bobs.commentId,
        conversationId: null,
        preview: "Look at this photo",
        createdAt: bobs.createdAt,
        read: false,
      });
    }
    expect((await feedOf(h, bob)).items).toEqual([]);
  });

  it("tells a comment's author about a reaction, and a conversation's others about a message", async () => {
    const h = harness();
    const itemId = `/feed/${uniqueId("item")}`;
    const [author, liker, third] = await membersWithProfiles(h, "author", "liker", "third");
    await saveProfile(h, liker, { displayName: "Liz" });
    const comment = await h.db.repositories.comments.create(commentBy(author, itemId, "Grandma's garden"));
    await h.tap.skip("Comments");
    await h.db.repositories.reactions.toggle(comment.commentId, liker);
    const { conversationId } = await conversationWithMessage(h, {
      conversationType: "group",
      participantIds: [author, liker, third],
      senderId: liker,
      senderName: "Liz",
      messageText: "Shall we meet?",
    });

    const records = [...(await h.tap.take("CommentReactions")), ...(await h.tap.take("Messages"))];
    const response = await h.process("notifications", records);

    expect(response.batchItemFailures).toEqual([]);
    const authors = await feedOf(h, author);
    expect(authors.unreadCount).toBe(2);
    expect(authors.items.map((n) => n.kind).sort()).toEqual(["message", "reaction"]);
    expect(authors.items.find((n) => n.kind === "reaction")).toMatchObject({
      actor: { userId: liker, displayName: "Liz" },
      commentId: comment.commentId,
      itemId,
      preview: "Grandma's garden",
      conversationId: null,
    });
    const thirds = await feedOf(h, third);
    expect(thirds.items).toHaveLength(1);
    expect(thirds.items[0]).toMatchObject({
      kind: "message",
      conversationId,
      itemId: null,
      itemTitle: null,
      commentId: null,
      preview: "Shall we meet?",
    });
    expect((await feedOf(h, liker)).items).toEqual([]);
  });

  it("writes one entry for a like toggled ten times while it is unread, and a new one once it was read", async () => {
    const h = harness();
    const itemId = `/feed/${uniqueId("item")}`;
    const [author, liker, other] = await membersWithProfiles(h, "author", "liker", "other");
    const comment = await h.db.repositories.comments.create(commentBy(author, itemId, "The old mill"));
    await h.tap.skip("Comments");
    for (let i = 0; i < 10; i++) await h.db.repositories.reactions.toggle(comment.commentId, liker);
    const likes = await h.tap.take("CommentReactions");
    // Five likes (and five unlikes, which notify nobody): two batches, and a redelivery.
    expect((await h.process("notifications", likes.slice(0, 3))).batchItemFailures).toEqual([]);
    expect((await h.process("notifications", likes)).batchItemFailures).toEqual([]);
    const feed = await feedOf(h, author);
    expect(feed.items.map((n) => [n.kind, n.actor.userId])).toEqual([["reaction", liker]]);
    expect(feed.unreadCount).toBe(1);

    // Another member's like is an entry of its own.
    await h.db.repositories.reactions.toggle(comment.commentId, other);
    await h.process("notifications", await h.tap.take("CommentReactions"));
    expect((await feedOf(h, author)).unreadCount).toBe(2);

    // Read: the next like is news again, once.
    await h.db.repositories.notifications.markRead(author, { all: true });
    await h.db.repositories.reactions.toggle(comment.commentId, liker);
    await h.db.repositories.reactions.toggle(comment.commentId, liker);
    await h.db.repositories.reactions.toggle(comment.commentId, liker);
    await h.process("notifications", await h.tap.take("CommentReactions"));
    const after = await feedOf(h, author);
    expect(after.unreadCount).toBe(1);
    expect(after.items.filter((n) => n.actor.userId === liker).map((n) => n.read)).toEqual([false, true]);
  });

  it("names a reaction's kind, notifies a switch of kinds not again, and keeps one entry across kinds while unread", async () => {
    const h = harness();
    const itemId = `/feed/${uniqueId("item")}`;
    const [author, reactor] = await membersWithProfiles(h, "author", "reactor");
    const comment = await h.db.repositories.comments.create(commentBy(author, itemId, "The old mill"));
    await h.tap.skip("Comments");
    const { reactions } = h.db.repositories;
    // Love, switched to laugh, then to wow; taken back and given again as sad, all unread.
    await reactions.toggle(comment.commentId, reactor, "love");
    await reactions.toggle(comment.commentId, reactor, "laugh");
    await reactions.toggle(comment.commentId, reactor, "wow");
    await reactions.toggle(comment.commentId, reactor, "wow");
    await reactions.toggle(comment.commentId, reactor, "sad");
    const records = await h.tap.take("CommentReactions");
    expect(records.map((r) => r.eventName)).toEqual(["INSERT", "MODIFY", "MODIFY", "REMOVE", "INSERT"]);
    // The love in a batch of its own, then the rest (a batch's records are processed at once).
    expect((await h.process("notifications", records.slice(0, 1))).batchItemFailures).toEqual([]);
    expect((await h.process("notifications", records.slice(1))).batchItemFailures).toEqual([]);
    const feed = await feedOf(h, author);
    expect(feed.items.map((n) => [n.kind, n.actor.userId, n.reactionKind])).toEqual([
      ["reaction", reactor, "love"],
    ]);
    expect(feed.unreadCount).toBe(1);
    // The email names the kind too, and went once.
    const subjects = h.sentEmails().map((email) => email.Content?.Simple?.Subject?.Data);
    expect(subjects).toEqual([`${reactor} reacted ❤️ love to your comment on "Christmas 2015"`]);

    // Read: the next reaction is news again, with its own kind.
    await h.db.repositories.notifications.markRead(author, { all: true });
    await reactions.toggle(comment.commentId, reactor, "sad");
    await reactions.toggle(comment.commentId, reactor, "laugh");
    await h.process("notifications", await h.tap.take("CommentReactions"));
    const after = await feedOf(h, author);
    expect(after.items.map((n) => [n.reactionKind, n.read])).toEqual([
      ["laugh", false],
      ["love", true],
    ]);
  });

  it("writes one entry for repeated likes processed at the same moment", async () => {
    const h = harness();
    const itemId = `/feed/${uniqueId("item")}`;
    const [author, liker] = await membersWithProfiles(h, "author", "liker");
    const comment = await h.db.repositories.comments.create(commentBy(author, itemId, "Harvest, 1931"));
    await h.tap.skip("Comments");
    for (let i = 0; i < 9; i++) await h.db.repositories.reactions.toggle(comment.commentId, liker);
    const likes = (await h.tap.take("CommentReactions")).filter((r) => r.eventName === "INSERT");
    expect(likes).toHaveLength(5);
    const results = await Promise.all(likes.map((like) => h.process("notifications", [like])));
    expect(results.flatMap((r) => r.batchItemFailures)).toEqual([]);
    const feed = await feedOf(h, author);
    expect(feed.items).toHaveLength(1);
    expect(feed.unreadCount).toBe(1);
  });

  it("writes no entry twice when a record whose email failed is delivered again", async () => {
    const h = harness();
    const { alice, record } = await bobRepliesToAlice(h);
    h.ses
      .on(SendEmailCommand)
      .rejectsOnce(new MessageRejected({ message: "Sending paused", $metadata: {} }))
      .resolves({ MessageId: "retried" });

    const failed = await h.process("notifications", [record]);
    expect(failed.batchItemFailures).toHaveLength(1);
    expect((await feedOf(h, alice)).unreadCount).toBe(1);

    const retried = await h.process("notifications", [record]);
    expect(retried.batchItemFailures).toEqual([]);
    expect(h.recipientsOfSent()).toEqual([emailOf(alice), emailOf(alice)]);
    const feed = await feedOf(h, alice);
    expect(feed.items).toHaveLength(1);
    expect(feed.unreadCount).toBe(1);
  });

  it("fails the record when the feed cannot be written, emailing nobody, and writes it on the retry", async () => {
    const h = harness();
    const { alice, record } = await bobRepliesToAlice(h);

    // A feed that is throttled once (a fault DynamoDB Local cannot be made to produce).
    class ThrottledOnce extends NotificationsRepository {
      private throttled = false;
      override async addForRecipients(...args: Parameters<NotificationsRepository["addForRecipients"]>) {
        if (!this.throttled) {
          this.throttled = true;
          throw new ThrottledError("Throughput exceeded");
        }
        return super.addForRecipients(...args);
      }
    }
    const { repositories } = notificationProcessorDependencies(h.env);
    const processor = h.build("notifications", {
      repositories: { ...repositories, notifications: new ThrottledOnce(h.db) },
    });

    const failed = await processor(batchOf([record]), lambdaContext());
    expect(failed.batchItemFailures).toHaveLength(1);
    expect(h.sentEmails()).toEqual([]);
    expect((await feedOf(h, alice)).items).toEqual([]);

    const retried = await processor(batchOf([record]), lambdaContext());
    expect(retried.batchItemFailures).toEqual([]);
    expect((await feedOf(h, alice)).unreadCount).toBe(1);
    expect(h.recipientsOfSent()).toEqual([emailOf(alice)]);
  });

  it("keeps every event in the feed even when the email window holds the emails back", async () => {
    const h = harness();
    const itemId = `/feed/${uniqueId("item")}`;
    const [alice, bob] = await membersWithProfiles(h, "alice", "bob");
    await h.db.repositories.comments.create(commentBy(alice, itemId));
    await h.tap.skip("Comments");
    for (let i = 0; i < 3; i++) await h.db.repositories.comments.create(commentBy(bob, itemId, `Bob ${i}`));

    await h.process("notifications", await h.tap.take("Comments"));

    expect(h.recipientsOfSent()).toEqual([emailOf(alice)]);
    const feed = await feedOf(h, alice);
    expect(feed.unreadCount).toBe(3);
    expect(feed.items.map((n) => n.preview).sort()).toEqual(["Bob 0", "Bob 1", "Bob 2"]);
  });
});
