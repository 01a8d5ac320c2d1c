import { PutCommand } from "@aws-sdk/lib-dynamodb";
import { describe, expect, it } from "vitest";
import { createProcessor, filterPatternsFor, isWantedRecord, matchesFilterPattern } from "../src/index.js";
import {
  batchOf,
  commentBy,
  type Harness,
  lambdaContext,
  saveProfile,
  uniqueId,
  useHarness,
} from "./helpers.js";

const harness = useHarness("activity");

const activity = (h: Harness) => createProcessor("activity", h.deps);

async function profileOf(h: Harness, userId: string) {
  const profile = await h.db.repositories.profiles.get(userId);
  if (!profile) throw new Error(`No profile for ${userId}`);
  return profile;
}

describe("comments", () => {
  it("counts new comments and sets lastActive to the comment's time", async () => {
    const h = harness();
    const user = uniqueId("writer");
    await saveProfile(h, user);
    await h.tap.skip("Comments");
    await h.db.repositories.comments.create(commentBy(user, "/a"));
    const latest = await h.db.repositories.comments.create(commentBy(user, "/b"));

    const response = await activity(h)(batchOf(await h.tap.take("Comments")), lambdaContext());

    expect(response.batchItemFailures).toEqual([]);
    const profile = await profileOf(h, user);
    expect(profile.commentCount).toBe(2);
    expect(profile.lastActive).toBe(latest.createdAt);
  });

  it("takes a soft-deleted comment off its author's count, and ignores edits", async () => {
    const h = harness();
    const [author, admin] = ["author", "admin"].map(uniqueId) as [string, string];
    await saveProfile(h, author);
    const kept = await h.db.repositories.comments.create(commentBy(author, "/c"));
    const removed = await h.db.repositories.comments.create(commentBy(author, "/c"));
    await activity(h)(batchOf(await h.tap.take("Comments")), lambdaContext());
    expect((await profileOf(h, author)).commentCount).toBe(2);

    const caller = { userId: author, groups: ["ApprovedUsers"] };
    await h.db.repositories.comments.edit("/c", kept.commentId, caller, "Edited text");
    await h.db.repositories.comments.softDelete(
      "/c",
      removed.commentId,
      { userId: admin, groups: ["Admins"] },
      {
        asAdmin: true,
      },
    );
    const [edit, softDelete] = await h.tap.take("Comments");
    // The filter Lambda applies lets the deletion through and holds the edit back ...
    expect(isWantedRecord("activity", "Comments", edit)).toBe(false);
    expect(isWantedRecord("activity", "Comments", softDelete)).toBe(true);
    expect(
      filterPatternsFor("activity", "Comments").filter((p) => matchesFilterPattern(p, softDelete)),
    ).toHaveLength(1);

    // ... and the processor handles both correctly when they arrive anyway (a local poller, say).
    const response = await activity(h)(batchOf([edit as never, softDelete as never]), lambdaContext());

    expect(response.batchItemFailures).toEqual([]);
    const profile = await profileOf(h, author);
    expect(profile.commentCount).toBe(1);
    // A deletion is not the author's activity.
    expect(profile.lastActive).toBe(removed.createdAt);
    expect(await h.db.repositories.profiles.get(admin)).toBeNull();
  });
});

describe("reactions and messages", () => {
  it("move the actor's lastActive, and only ever forwards", async () => {
    const h = harness();
    const [author, fan, friend] = ["author", "fan", "friend"].map(uniqueId) as [string, string, string];
    for (const user of [author, fan, friend]) await saveProfile(h, user);
    const comment = await h.db.repositories.comments.create(commentBy(author, "/r"));
    await h.tap.skip("Comments");
    const conversationId = uniqueId("dm");
    await h.db.repositories.conversations.create({
      conversationId,
      conversationType: "direct",
      participantIds: [fan, friend],
      title: null,
    });
    const older = await h.db.repositories.conversations.sendMessage({
      conversationId,
      senderId: fan,
      senderName: "Fan",
      messageText: "Earlier",
      attachments: [],
    });
    await h.db.repositories.reactions.toggle(comment.commentId, fan);
    const reaction = await h.db.repositories.reactions.get(comment.commentId, fan);
    const [message] = await h.tap.take("Messages");
    const [like] = await h.tap.take("CommentReactions");

    // The newer event first, the older one late: lastActive stays at the newer time.
    await activity(h)(batchOf([like as never]), lambdaContext());
    await activity(h)(batchOf([message as never]), lambdaContext());

    const profile = await profileOf(h, fan);
    expect(reaction?.createdAt && reaction.createdAt > older.createdAt).toBe(true);
    expect(profile.lastActive).toBe(reaction?.createdAt);
    expect(profile.commentCount).toBe(0);
    expect((await profileOf(h, friend)).lastActive).toBeNull();
    expect((await profileOf(h, author)).lastActive).toBeNull();
  });
});

describe("redelivery", () => {
  it("counts nothing twice when a whole batch is delivered again", async () => {
    const h = harness();
    const user = uniqueId("twice");
    await saveProfile(h, user);
    await h.tap.skip("Comments");
    for (const item of ["/x", "/y", "/z"]) await h.db.repositories.comments.create(commentBy(user, item));
    const batch = batchOf(await h.tap.take("Comments"));

    await activity(h)(batch, lambdaContext());
    // Another container, sharing only the idempotency table with the first.
    const again = await activity(h)(batch, lambdaContext());

    expect(again.batchItemFailures).toEqual([]);
    expect((await profileOf(h, user)).commentCount).toBe(3);
  });
});

describe("partial batch failure", () => {
  it("reports only the record that hits a DynamoDB fault, and counts the other nine", async () => {
    const h = harness();
    const writers = Array.from({ length: 10 }, (_, i) => uniqueId(`w${i}`));
    for (const writer of writers) await saveProfile(h, writer);
    const poisoned = writers[6] as string;
    // A row whose counter is not a number: DynamoDB itself rejects the ADD.
    await h.db.doc.send(
      new PutCommand({
        TableName: h.db.tables.UserProfiles,
        Item: { userId: poisoned, commentCount: "many", createdAt: new Date().toISOString() },
      }),
    );
    await h.tap.skip("Comments");
    for (const writer of writers) await h.db.repositories.comments.create(commentBy(writer, `/p/${writer}`));
    const records = await h.tap.take("Comments");

    const response = await activity(h)(batchOf(records), lambdaContext());

    expect(response.batchItemFailures).toEqual([{ itemIdentifier: records[6]?.dynamodb?.SequenceNumber }]);
    for (const writer of writers.filter((w) => w !== poisoned)) {
      expect((await profileOf(h, writer)).commentCount).toBe(1);
    }

    // Retried once the row is repaired, the failed record counts exactly once; the rest not again.
    await h.db.doc.send(
      new PutCommand({
        TableName: h.db.tables.UserProfiles,
        Item: { userId: poisoned, commentCount: 0, createdAt: new Date().toISOString() },
      }),
    );
    const retry = await activity(h)(batchOf(records.slice(6)), lambdaContext());
    expect(retry.batchItemFailures).toEqual([]);
    for (const writer of writers) expect((await profileOf(h, writer)).commentCount).toBe(1);
  });

  it("fails a malformed record alone", async () => {
    const h = harness();
    const user = uniqueId("good");
    await saveProfile(h, user);
    await h.tap.skip("Comments");
    await h.db.repositories.comments.create(commentBy(user, "/m1"));
    await h.db.repositories.comments.create(commentBy(user, "/m2"));
    const [good, other] = await h.tap.take("Comments");
    const { userId: _dropped, ...imageWithoutAuthor } = other?.dynamodb?.NewImage ?? {};
    const malformed = { ...other, dynamodb: { ...other?.dynamodb, NewImage: imageWithoutAuthor } };

    const response = await activity(h)(batchOf([good as never, malformed]), lambdaContext());

    expect(response.batchItemFailures).toEqual([{ itemIdentifier: other?.dynamodb?.SequenceNumber }]);
    expect((await profileOf(h, user)).commentCount).toBe(1);
  });
});
