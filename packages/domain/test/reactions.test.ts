import { QueryCommand } from "@aws-sdk/lib-dynamodb";
import { describe, expect, it } from "vitest";
import { NotFoundError } from "../src/errors.js";
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
