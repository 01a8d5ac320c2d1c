import { QueryCommand } from "@aws-sdk/lib-dynamodb";
import { describe, expect, inject, it } from "vitest";
import { createDocumentClient } from "../src/dynamo/client.js";
import { NotFoundError } from "../src/errors.js";
import { createRepositories } from "../src/repositories/index.js";
import { member, useTestDatabase } from "./helpers.js";

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
    expect(await reactions.toggle(comment.commentId, "ann")).toEqual({ liked: true, reactionCount: 1 });
    expect(await reactions.toggle(comment.commentId, "bob")).toEqual({ liked: true, reactionCount: 2 });
    expect(await reactions.toggle(comment.commentId, "ann")).toEqual({ liked: false, reactionCount: 1 });
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
    expect(await repositories.reactions.toggle(comment.commentId, "ann")).toEqual({
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
    expect([...reacted].sort()).toEqual([one.commentId, three.commentId].sort());
    expect(await reactions.reactedTo("viewer", [])).toEqual(new Set());
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
