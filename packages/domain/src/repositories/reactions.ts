import { GetCommand } from "@aws-sdk/lib-dynamodb";
import { batchGetAll } from "../dynamo/batch.js";
import { conditionFailedAt } from "../dynamo/conditions.js";
import { firstFailureOf } from "../dynamo/parallel.js";
import {
  type KeyPage,
  type KeyPageRequest,
  type Page,
  type PageRequest,
  partitionQuery,
  queryKeyPage,
  queryPage,
} from "../dynamo/query.js";
import { type TransactItem, transactWrite } from "../dynamo/transactions.js";
import type { Reaction } from "../entities.js";
import { ConflictError, NotFoundError, toDomainError } from "../errors.js";
import type { CommentLocator, CommentsRepository } from "./comments.js";
import { Repository, type RepositoryContext } from "./context.js";

export interface ToggleResult {
  liked: boolean;
  reactionCount: number;
}

export class ReactionsRepository extends Repository {
  constructor(
    context: RepositoryContext,
    private readonly comments: CommentsRepository,
  ) {
    super(context);
  }

  /**
   * The comment's counter and its locator's copy move together, only while the comment
   * exists and (unless `evenIfDeleted`) is not deleted.
   */
  private counterUpdates(
    locator: Pick<CommentLocator, "itemId" | "commentId">,
    delta: 1 | -1,
    evenIfDeleted = false,
  ): TransactItem[] {
    const update = (TableName: string, Key: Record<string, string>): TransactItem => ({
      Update: {
        TableName,
        Key,
        UpdateExpression: "ADD #count :delta",
        ConditionExpression: evenIfDeleted
          ? "attribute_exists(#commentId)"
          : "attribute_exists(#commentId) AND attribute_not_exists(#deletedAt)",
        ExpressionAttributeNames: {
          "#count": "reactionCount",
          "#commentId": "commentId",
          ...(evenIfDeleted ? {} : { "#deletedAt": "deletedAt" }),
        },
        ExpressionAttributeValues: { ":delta": delta },
      },
    });
    return [
      update(this.tables.Comments, { itemId: locator.itemId, commentId: locator.commentId }),
      update(this.tables.CommentLocators, { commentId: locator.commentId }),
    ];
  }

  /**
   * Likes the comment if the user has not, unlikes it if they have. Two round trips: the
   * comment's locator and the caller's reaction row are read in parallel (both strongly
   * consistent, so a comment created a moment ago is found), then the reaction row, the
   * comment's `reactionCount` and the locator's copy change in one transaction, each
   * conditioned on the state read, so the count always equals the number of rows however
   * many toggle at once. The count returned is the one read plus this toggle (likes by
   * others landing in the same instant may not be in it yet).
   */
  async toggle(commentId: string, userId: string): Promise<ToggleResult> {
    const key = { commentId, userId };
    for (let attempt = 0; attempt < 5; attempt++) {
      const [locator, existing] = await firstFailureOf([
        this.comments.locateActive(commentId),
        this.get(commentId, userId, true),
      ]);
      const liked = !existing;
      const delta = liked ? 1 : -1;
      const reactionWrite: TransactItem = liked
        ? {
            Put: {
              TableName: this.tables.CommentReactions,
              Item: {
                commentId,
                userId,
                itemId: locator.itemId,
                commentAuthorId: locator.userId,
                createdAt: this.timestamp(),
              } satisfies Reaction,
              ConditionExpression: "attribute_not_exists(userId)",
            },
          }
        : {
            Delete: {
              TableName: this.tables.CommentReactions,
              Key: key,
              ConditionExpression: "attribute_exists(userId)",
            },
          };
      try {
        await transactWrite(this.doc, [reactionWrite, ...this.counterUpdates(locator, delta)]);
        return { liked, reactionCount: Math.max(0, (locator.reactionCount ?? 0) + delta) };
      } catch (error) {
        if (conditionFailedAt(error, (index) => index > 0)) throw new NotFoundError("Comment not found");
        if (!conditionFailedAt(error, 0)) throw error;
        // The same user's other toggle changed the row in between: read again and go round.
      }
    }
    throw new ConflictError("The reaction kept changing; try again");
  }

  /** Which of `commentIds` the user has reacted to: one chunked BatchGetItem of their reaction rows. */
  async reactedTo(userId: string, commentIds: readonly string[]): Promise<Set<string>> {
    if (commentIds.length === 0) return new Set();
    const rows = await batchGetAll<{ commentId: string }>(
      this.doc,
      this.tables.CommentReactions,
      [...new Set(commentIds)].map((commentId) => ({ commentId, userId })),
      { consistentRead: true, projection: ["commentId"] },
    );
    return new Set(rows.map((row) => row.commentId));
  }

  /** Which of `userIds` like `commentId`: one batch read of their reaction rows (a push's viewers). */
  async reactorsAmong(commentId: string, userIds: readonly string[]): Promise<Set<string>> {
    if (userIds.length === 0) return new Set();
    const rows = await batchGetAll<{ userId: string }>(
      this.doc,
      this.tables.CommentReactions,
      [...new Set(userIds)].map((userId) => ({ commentId, userId })),
      { consistentRead: true, projection: ["userId"] },
    );
    return new Set(rows.map((row) => row.userId));
  }

  async get(commentId: string, userId: string, consistent = false): Promise<Reaction | null> {
    try {
      const output = await this.doc.send(
        new GetCommand({
          TableName: this.tables.CommentReactions,
          Key: { commentId, userId },
          ConsistentRead: consistent,
        }),
      );
      return (output.Item as Reaction | undefined) ?? null;
    } catch (error) {
      throw toDomainError(error);
    }
  }

  /** Who reacted to a comment, by user id. */
  list(commentId: string, page: PageRequest): Promise<Page<Reaction>> {
    return queryPage<Reaction>(
      this.doc,
      this.cursors,
      {
        tableName: this.tables.CommentReactions,
        keyAttributes: ["commentId", "userId"],
        partitionKey: { name: "commentId", value: commentId },
        scanIndexForward: true,
      },
      page,
    );
  }

  /** A member's own reactions, oldest first (UserReactionsIndex), for their export and account deletion. */
  listByUser(userId: string, page: KeyPageRequest): Promise<KeyPage<Reaction>> {
    return queryKeyPage<Reaction>(
      this.doc,
      partitionQuery({
        tableName: this.tables.CommentReactions,
        indexName: "UserReactionsIndex",
        key: { name: "userId", value: userId },
      }),
      page,
    );
  }

  /**
   * Takes a reaction back for good (its author's account is being deleted): the row goes and
   * the comment's count and its locator's copy go down by one, in one transaction that holds
   * only while the row exists, so a repeated call never decrements twice. A deleted comment's
   * count goes down too (it stays exact); a comment that is gone altogether (comments are
   * only ever soft-deleted, so this is a repair case) has no count left to change, and the
   * row alone is removed. True when this call removed the row.
   */
  async removeForErasure(reaction: Pick<Reaction, "commentId" | "userId" | "itemId">): Promise<boolean> {
    const { commentId, userId } = reaction;
    const rowDelete = (): TransactItem => ({
      Delete: {
        TableName: this.tables.CommentReactions,
        Key: { commentId, userId },
        ConditionExpression: "attribute_exists(userId)",
      },
    });
    try {
      // The row names the comment's item: no lookup of the comment needed.
      await transactWrite(this.doc, [rowDelete(), ...this.counterUpdates(reaction, -1, true)]);
      return true;
    } catch (error) {
      // The row is gone already: an earlier run took it back (and its count).
      if (conditionFailedAt(error, 0)) return false;
      if (!conditionFailedAt(error, (index) => index > 0)) throw error;
    }
    // The comment vanished between the read and the write: nothing left to count.
    try {
      await transactWrite(this.doc, [rowDelete()]);
      return true;
    } catch (error) {
      if (conditionFailedAt(error, 0)) return false;
      throw error;
    }
  }
}
