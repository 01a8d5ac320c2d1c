import { PutCommand } from "@aws-sdk/lib-dynamodb";
import { describe, expect, it } from "vitest";
import { filterPatternsFor, isWantedRecord, matchesFilterPattern } from "../src/index.js";
import {
  commentBy,
  conversationWithMessage,
  type Harness,
  membersWithProfiles,
  saveProfile,
  uniqueId,
  useHarness,
} from "./helpers.js";

const harness = useHarness("activity");

async function profileOf(h: Harness, userId: string) {
  const profile = await h.db.repositories.profiles.get(userId);
  if (!profile) throw new Error(`No profile for ${userId}`);
  return profile;
}

describe("comments", () => {
  it("counts new comments and sets lastActive to the comment's time", async () => {
    const h = harness();
    const [user] = await membersWithProfiles(h, "writer");
    await h.tap.skip("Comments");
    await h.db.repositories.comments.create(commentBy(user, "/a"));
    const latest = await h.db.repositories.comments.create(commentBy(user, "/b"));

    const response = await h.process("activity", await h.tap.take("Comments"));

    expect(response.batchItemFailures).toEqual([]);
    const profile = await profileOf(h, user);
    expect(profile.commentCount).toBe(2);
    expect(profile.lastActive).toBe(latest.createdAt);
  });

  it("takes a soft-deleted comment off its author's count, and ignores edits", async () => {
    const h = harness();
    const [author] = await membersWithProfiles(h, "author");
    const admin = uniqueId("admin");
    const kept = await h.db.repositories.comments.create(commentBy(author, "/c"));
    const removed = await h.db.repositories.comments.create(commentBy(author, "/c"));
    await h.process("activity", await h.tap.take("Comments"));
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
    const response = await h.process("activity", [edit as never, softDelete as never]);

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
    const [author, fan, friend] = await membersWithProfiles(h, "author", "fan", "friend");
    const comment = await h.db.repositories.comments.create(commentBy(author, "/r"));
    await h.tap.skip("Comments");
    const { message: older } = await conversationWithMessage(h, {
      conversationType: "direct",
      participantIds: [fan, friend],
      senderId: fan,
      senderName: "Fan",
      messageText: "Earlier",
    });
    await h.db.repositories.reactions.toggle(comment.commentId, fan);
    const reaction = await h.db.repositories.reactions.get(comment.commentId, fan);
    const [message] = await h.tap.take("Messages");
    const [like] = await h.tap.take("CommentReactions");

    // The newer event first, the older one late: lastActive stays at the newer time.
    await h.process("activity", [like as never]);
    await h.process("activity", [message as never]);

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
    const [user] = await membersWithProfiles(h, "twice");
    await h.tap.skip("Comments");
    for (const item of ["/x", "/y", "/z"]) await h.db.repositories.comments.create(commentBy(user, item));
    const batch = await h.tap.take("Comments");

    await h.process("activity", batch);
    // Another container, sharing only the idempotency table with the first.
    const again = await h.process("activity", batch);

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

    const response = await h.process("activity", records);

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
    const retry = await h.process("activity", records.slice(6));
    expect(retry.batchItemFailures).toEqual([]);
    for (const writer of writers) expect((await profileOf(h, writer)).commentCount).toBe(1);
  });

  it("fails a malformed record alone", async () => {
    const h = harness();
    const [user] = await membersWithProfiles(h, "good");
    await h.tap.skip("Comments");
    await h.db.repositories.comments.create(commentBy(user, "/m1"));
    await h.db.repositories.comments.create(commentBy(user, "/m2"));
    const [good, other] = await h.tap.take("Comments");
    const { userId: _dropped, ...imageWithoutAuthor } = other?.dynamodb?.NewImage ?? {};
    const malformed = { ...other, dynamodb: { ...other?.dynamodb, NewImage: imageWithoutAuthor } };

    const response = await h.process("activity", [good as never, malformed]);

    expect(response.batchItemFailures).toEqual([{ itemIdentifier: other?.dynamodb?.SequenceNumber }]);
    expect((await profileOf(h, user)).commentCount).toBe(1);
  });
});
