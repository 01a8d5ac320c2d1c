import { PutCommand, QueryCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { describe, expect, inject, it } from "vitest";
import { createDocumentClient } from "../src/dynamo/client.js";
import { REACTION_KINDS } from "../src/entities.js";
import { NotFoundError } from "../src/errors.js";
import { createRepositories } from "../src/repositories/index.js";
import { reactionCountsOf, reactionKindOf } from "../src/rules/reactions.js";
import { member, patientRepositories, useTestDatabase } from "./helpers.js";

const db = useTestDatabase("reactions");

async function aComment(itemId = "/2019/wedding") {
  return db().repositories.comments.create({
    itemId,
    userId: "author",
    userName: "Author",
    userPhotoUrl: null,
    commentText: "What a day",
    itemTitle: "Wedding",
  });
}

async function reactionRows(commentId: string): Promise<number> {
  const { doc, tables } = db();
  const output = await doc.send(
    new QueryCommand({
      TableName: tables.CommentReactions,
      KeyConditionExpression: "commentId = :c",
      ExpressionAttributeValues: { ":c": commentId },
      ConsistentRead: true,
      Select: "COUNT",
    }),
  );
  return output.Count ?? 0;
}

describe("ReactionsRepository", () => {
  it("toggles a like on and off, keeping the count", async () => {
    const { reactions } = db().repositories;
    const comment = await aComment();
    expect(await reactions.toggle(comment.commentId, "ann")).toMatchObject({ liked: true, reactionCount: 1 });
    expect(await reactions.toggle(comment.commentId, "bob")).toMatchObject({ liked: true, reactionCount: 2 });
    expect(await reactions.toggle(comment.commentId, "ann")).toMatchObject({
      liked: false,
      reactionCount: 1,
    });
    const row = await reactions.get(comment.commentId, "bob");
    expect(row).toMatchObject({ itemId: comment.itemId, commentAuthorId: "author" });
    const page = await reactions.list(comment.commentId, { limit: 10 });
    expect(page.items.map((r) => r.userId)).toEqual(["bob"]);
    expect(page.nextCursor).toBeNull();
  });

  it("keeps reactionCount equal to the rows under 60 parallel toggles by 60 users", async () => {
    const { reactions, comments } = db().repositories;
    const comment = await aComment("/parallel");
    const users = Array.from({ length: 60 }, (_, i) => `user-${i}`);
    await Promise.all(users.map((userId) => reactions.toggle(comment.commentId, userId)));
    const stored = await comments.get(comment.itemId, comment.commentId, true);
    expect(stored?.reactionCount).toBe(60);
    expect(await reactionRows(comment.commentId)).toBe(60);

    // Half of them toggle off while ten of those toggle twice more, all at once.
    await Promise.all(users.slice(0, 30).map((userId) => reactions.toggle(comment.commentId, userId)));
    const after = await comments.get(comment.itemId, comment.commentId, true);
    expect(after?.reactionCount).toBe(await reactionRows(comment.commentId));
    expect(after?.reactionCount).toBe(30);
  });

  it("refuses reactions to a missing or deleted comment", async () => {
    const { reactions, comments } = db().repositories;
    await expect(reactions.toggle("01MISSING", "ann")).rejects.toBeInstanceOf(NotFoundError);
    const comment = await aComment("/deleted");
    await comments.softDelete(comment.itemId, comment.commentId, member("author"), { asAdmin: false });
    await expect(reactions.toggle(comment.commentId, "ann")).rejects.toBeInstanceOf(NotFoundError);
    expect(await reactionRows(comment.commentId)).toBe(0);
  });

  it("likes a comment the moment it exists in two round trips, never through an index", async () => {
    const { tables, cursors } = db();
    // A client of its own that records what each call is and how many are in flight at once.
    const doc = createDocumentClient({ stage: "test", endpoint: inject("dynamoEndpoint") });
    const calls: { command: string; index?: string; consistent?: boolean; roundTrip: number }[] = [];
    let inFlight = 0;
    let roundTrip = 0;
    doc.middlewareStack.add(
      (next, context) => async (args) => {
        if (inFlight++ === 0) roundTrip++;
        const input = args.input as { IndexName?: string; ConsistentRead?: boolean };
        calls.push({
          command: String(context.commandName),
          ...(input.IndexName ? { index: input.IndexName } : {}),
          ...(input.ConsistentRead !== undefined ? { consistent: input.ConsistentRead } : {}),
          roundTrip,
        });
        try {
          return await next(args);
        } finally {
          inFlight--;
        }
      },
      { step: "initialize", name: "recordCalls" },
    );
    const repositories = createRepositories({ doc, tables, cursors });
    const comment = await repositories.comments.create({
      itemId: "/fresh",
      userId: "author",
      userName: "Author",
      userPhotoUrl: null,
      commentText: "Just written",
      itemTitle: null,
    });
    calls.length = 0;
    roundTrip = 0;
    expect(await repositories.reactions.toggle(comment.commentId, "ann")).toMatchObject({
      liked: true,
      reactionCount: 1,
    });
    expect(calls).toEqual([
      { command: "GetItemCommand", consistent: true, roundTrip: 1 },
      { command: "GetItemCommand", consistent: true, roundTrip: 1 },
      { command: "TransactWriteItemsCommand", roundTrip: 2 },
    ]);
    doc.destroy();
  });

  it("tells which comments of a page a user reacted to, in one batch read", async () => {
    const { reactions } = db().repositories;
    const [one, two, three] = [
      await aComment("/viewer"),
      await aComment("/viewer"),
      await aComment("/viewer"),
    ];
    await reactions.toggle(one.commentId, "viewer");
    await reactions.toggle(three.commentId, "viewer");
    await reactions.toggle(two.commentId, "someone-else");
    const reacted = await reactions.reactedTo("viewer", [one.commentId, two.commentId, three.commentId]);
    expect([...reacted.keys()].sort()).toEqual([one.commentId, three.commentId].sort());
    expect(await reactions.reactedTo("viewer", [])).toEqual(new Map());
  });

  it("pages through who reacted", async () => {
    const { reactions } = db().repositories;
    const comment = await aComment("/paged");
    for (const userId of ["a", "b", "c", "d", "e"]) await reactions.toggle(comment.commentId, userId);
    const first = await reactions.list(comment.commentId, { limit: 2 });
    const second = await reactions.list(comment.commentId, { limit: 2, cursor: first.nextCursor });
    const third = await reactions.list(comment.commentId, { limit: 2, cursor: second.nextCursor });
    expect([...first.items, ...second.items, ...third.items].map((r) => r.userId)).toEqual([
      "a",
      "b",
      "c",
      "d",
      "e",
    ]);
    expect(third.nextCursor).toBeNull();
  });
});

const NO_COUNTS = { like: 0, love: 0, laugh: 0, wow: 0, sad: 0 };

describe("Reaction kinds", () => {
  it("adds a kind, takes the same kind back, and switches to another kind in place", async () => {
    const { reactions, comments } = db().repositories;
    const comment = await aComment("/kinds");
    expect(await reactions.toggle(comment.commentId, "dee", "love")).toEqual({
      liked: true,
      reaction: "love",
      outcome: "added",
      reactionCount: 1,
      reactionCounts: { ...NO_COUNTS, love: 1 },
    });
    const added = await reactions.get(comment.commentId, "dee", true);
    expect(await reactions.toggle(comment.commentId, "dee", "laugh")).toEqual({
      liked: true,
      reaction: "laugh",
      outcome: "switched",
      reactionCount: 1,
      reactionCounts: { ...NO_COUNTS, laugh: 1 },
    });
    // The same row, its kind rewritten: still one reaction per member, from when it was first given.
    const switched = await reactions.get(comment.commentId, "dee", true);
    expect(switched).toEqual({ ...added, kind: "laugh" });
    expect(await reactionRows(comment.commentId)).toBe(1);
    // Without a kind it is a like: switching from laugh, then the like again takes it back.
    expect(await reactions.toggle(comment.commentId, "dee")).toMatchObject({
      outcome: "switched",
      reaction: "like",
    });
    expect(await reactions.toggle(comment.commentId, "dee")).toEqual({
      liked: false,
      reaction: null,
      outcome: "removed",
      reactionCount: 0,
      reactionCounts: NO_COUNTS,
    });
    const stored = await comments.get(comment.itemId, comment.commentId, true);
    expect(reactionCountsOf(stored!)).toEqual(NO_COUNTS);
    expect(stored?.reactionCount).toBe(0);
  });

  it("shows a comment's count from before kinds as likes, and counts new kinds beside them", async () => {
    const { doc, tables, repositories } = db();
    const comment = await aComment("/old-counts");
    // A comment and a like as they were stored before kinds: a total and rows without a kind.
    await doc.send(
      new PutCommand({
        TableName: tables.CommentReactions,
        Item: {
          commentId: comment.commentId,
          userId: "old-liker",
          itemId: comment.itemId,
          commentAuthorId: "author",
          createdAt: comment.createdAt,
        },
      }),
    );
    for (const table of [tables.Comments, tables.CommentLocators]) {
      await doc.send(
        new UpdateCommand({
          TableName: table,
          Key:
            table === tables.Comments
              ? { itemId: comment.itemId, commentId: comment.commentId }
              : { commentId: comment.commentId },
          UpdateExpression: "SET reactionCount = :one",
          ExpressionAttributeValues: { ":one": 1 },
        }),
      );
    }
    expect(
      reactionCountsOf((await repositories.comments.get(comment.itemId, comment.commentId, true))!),
    ).toEqual({
      ...NO_COUNTS,
      like: 1,
    });
    expect(await repositories.reactions.reactedTo("old-liker", [comment.commentId])).toEqual(
      new Map([[comment.commentId, "like"]]),
    );
    expect(await repositories.reactions.toggle(comment.commentId, "dee", "wow")).toMatchObject({
      reactionCount: 2,
      reactionCounts: { ...NO_COUNTS, like: 1, wow: 1 },
    });
    // The old like switched to sad: its row had no kind, and was a like all the same.
    expect(await repositories.reactions.toggle(comment.commentId, "old-liker", "sad")).toMatchObject({
      outcome: "switched",
      reactionCounts: { ...NO_COUNTS, wow: 1, sad: 1 },
    });
    expect(await repositories.reactions.toggle(comment.commentId, "old-liker", "sad")).toMatchObject({
      outcome: "removed",
      reactionCounts: { ...NO_COUNTS, wow: 1 },
    });
  });

  it("keeps the counts by kind exact and one reaction per member when 100 members switch kinds at once", async () => {
    const patient = patientRepositories(db());
    const { reactions, comments } = patient.repositories;
    const comment = await aComment("/switching");
    const users = Array.from({ length: 100 }, (_, i) => `switcher-${i}`);
    const first = (i: number) => REACTION_KINDS[i % REACTION_KINDS.length]!;
    const second = (i: number) => REACTION_KINDS[(i + 1 + (i % 3)) % REACTION_KINDS.length]!;
    await Promise.all(users.map((userId, i) => reactions.toggle(comment.commentId, userId, first(i))));
    // All at once: each member switches to another kind, and a few of them send it twice
    // more (a switch back and forth by the same member racing itself).
    await Promise.all(
      users.flatMap((userId, i) => [
        reactions.toggle(comment.commentId, userId, second(i)),
        ...(i % 10 === 0 ? [reactions.toggle(comment.commentId, userId, "sad")] : []),
      ]),
    );
    const rows = (await reactions.list(comment.commentId, { limit: 100 })).items;
    expect(rows).toHaveLength(100);
    const expected = { ...NO_COUNTS };
    for (const row of rows) expected[reactionKindOf(row)]++;
    const stored = await comments.get(comment.itemId, comment.commentId, true);
    expect(stored?.reactionCount).toBe(100);
    expect(reactionCountsOf(stored!)).toEqual(expected);
    // The locator's copies moved with the comment's.
    const locator = await comments.locate(comment.commentId);
    expect(reactionCountsOf(locator!)).toEqual(expected);
    // Members who sent one switch only hold that kind.
    for (const [i, userId] of users.entries()) {
      if (i % 10 !== 0) expect(rows.find((row) => row.userId === userId)?.kind).toBe(second(i));
    }
    patient.destroy();
  });

  it("takes back a member's reaction of any kind for good, with its kind's count", async () => {
    const { reactions, comments } = db().repositories;
    const comment = await aComment("/erase-kinds");
    await reactions.toggle(comment.commentId, "leaving", "love");
    await reactions.toggle(comment.commentId, "staying", "love");
    // Listed as a like (as a checkpoint from before kinds holds it): the row's own kind is used.
    expect(
      await reactions.removeForErasure({
        commentId: comment.commentId,
        userId: "leaving",
        itemId: comment.itemId,
      }),
    ).toBe(true);
    expect(
      await reactions.removeForErasure({
        commentId: comment.commentId,
        userId: "leaving",
        itemId: comment.itemId,
        kind: "love",
      }),
    ).toBe(false);
    const stored = await comments.get(comment.itemId, comment.commentId, true);
    expect(stored?.reactionCount).toBe(1);
    expect(reactionCountsOf(stored!)).toEqual({ ...NO_COUNTS, love: 1 });
  });
});
