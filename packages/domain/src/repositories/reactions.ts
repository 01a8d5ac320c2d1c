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
import type { Reaction, ReactionKind } from "../entities.js";
import { ConflictError, NotFoundError, toDomainError } from "../errors.js";
import {
  type CounterDeltas,
  counterDeltas,
  countsAfter,
  DEFAULT_REACTION_KIND,
  type ReactionChange,
  type ReactionCounts,
  reactionChange,
  reactionKindOf,
} from "../rules/reactions.js";
import type { CommentLocator, CommentsRepository } from "./comments.js";
import { Repository, type RepositoryContext } from "./context.js";

export interface ToggleResult {
  /** Whether the member has a reaction on the comment now (of any kind). */
  liked: boolean;
  /** Their reaction's kind now, or null when they took it back. */
  reaction: ReactionKind | null;
  outcome: ReactionChange["outcome"];
  reactionCount: number;
  reactionCounts: ReactionCounts;
}

/** The condition that a stored reaction row is of `kind` (a row without a kind is a like). */
function rowIsOfKind(kind: ReactionKind) {
  return kind === DEFAULT_REACTION_KIND
    ? { expression: "(attribute_not_exists(#kind) OR #kind = :rowKind)", values: { ":rowKind": kind } }
    : { expression: "#kind = :rowKind", values: { ":rowKind": kind } };
}

export class ReactionsRepository extends Repository {
  constructor(
    context: RepositoryContext,
    private readonly comments: CommentsRepository,
  ) {
    super(context);
  }

  /**
   * The comment's counters and its locator's copies move together by `deltas` (the total and
   * the per-kind counts; see rules/reactions.ts), only while the comment exists and (unless
   * `evenIfDeleted`) is not deleted.
   */
  private counterUpdates(
    locator: Pick<CommentLocator, "itemId" | "commentId">,
    deltas: CounterDeltas,
    evenIfDeleted = false,
  ): TransactItem[] {
    const entries = Object.entries(deltas).filter(([, delta]) => delta);
    const names: Record<string, string> = {};
    const values: Record<string, number> = {};
    const adds = entries.map(([attribute, delta], index) => {
      names[`#count${index}`] = attribute;
      values[`:delta${index}`] = delta!;
      return `#count${index} :delta${index}`;
    });
    const update = (TableName: string, Key: Record<string, string>): TransactItem => ({
      Update: {
        TableName,
        Key,
        UpdateExpression: `ADD ${adds.join(", ")}`,
        ConditionExpression: evenIfDeleted
          ? "attribute_exists(#commentId)"
          : "attribute_exists(#commentId) AND attribute_not_exists(#deletedAt)",
        ExpressionAttributeNames: {
          ...names,
          "#commentId": "commentId",
          ...(evenIfDeleted ? {} : { "#deletedAt": "deletedAt" }),
        },
        ExpressionAttributeValues: values,
      },
    });
    return [
      update(this.tables.Comments, { itemId: locator.itemId, commentId: locator.commentId }),
      update(this.tables.CommentLocators, { commentId: locator.commentId }),
    ];
  }

  /**
   * The member sends a reaction of `kind` (a like unless told): with none yet it is added,
   * with the same kind it is taken back, with another kind it becomes this one (one reaction
   * per member and comment). Two round trips: the comment's locator and the member's reaction
   * row are read in parallel (both strongly consistent, so a comment created a moment ago is
   * found), then the row, the comment's counters and the locator's copies change in one
   * transaction, the row's write conditioned on the state read (its kind included), so the
   * counts always equal the rows however many toggle or switch at once. A switch rewrites the
   * row's kind in place (a MODIFY, which notifies nobody again). The counts returned are those
   * read plus this change (others landing in the same instant may not be in them yet).
   */
  async toggle(
    commentId: string,
    userId: string,
    kind: ReactionKind = DEFAULT_REACTION_KIND,
  ): Promise<ToggleResult> {
    const key = { commentId, userId };
    for (let attempt = 0; attempt < 5; attempt++) {
      const [locator, existing] = await firstFailureOf([
        this.comments.locateActive(commentId),
        this.get(commentId, userId, true),
      ]);
      const change = reactionChange(existing ? reactionKindOf(existing) : null, kind);
      const deltas = counterDeltas(change);
      let reactionWrite: TransactItem;
      if (change.outcome === "added") {
        reactionWrite = {
          Put: {
            TableName: this.tables.CommentReactions,
            Item: {
              commentId,
              userId,
              kind,
              itemId: locator.itemId,
              commentAuthorId: locator.userId,
              ...(locator.threadId ? { userThread: userThreadKey(userId, locator.threadId) } : {}),
              createdAt: this.timestamp(),
            } satisfies Reaction,
            ConditionExpression: "attribute_not_exists(userId)",
          },
        };
      } else {
        const was = rowIsOfKind(change.outcome === "switched" ? change.from : change.kind);
        const condition = {
          ConditionExpression: `attribute_exists(userId) AND ${was.expression}`,
          ExpressionAttributeNames: { "#kind": "kind" },
        };
        reactionWrite =
          change.outcome === "removed"
            ? {
                Delete: {
                  TableName: this.tables.CommentReactions,
                  Key: key,
                  ...condition,
                  ExpressionAttributeValues: was.values,
                },
              }
            : {
                Update: {
                  TableName: this.tables.CommentReactions,
                  Key: key,
                  UpdateExpression: "SET #kind = :kind",
                  ...condition,
                  ExpressionAttributeValues: { ...was.values, ":kind": kind },
                },
              };
      }
      try {
        await transactWrite(this.doc, [reactionWrite, ...this.counterUpdates(locator, deltas)]);
        const reactionCounts = countsAfter(locator, deltas);
        return {
          liked: change.outcome !== "removed",
          reaction: change.outcome === "removed" ? null : kind,
          outcome: change.outcome,
          reactionCount: Object.values(reactionCounts).reduce((sum, count) => sum + count, 0),
          reactionCounts,
        };
      } catch (error) {
        if (conditionFailedAt(error, (index) => index > 0)) throw new NotFoundError("Comment not found");
        if (!conditionFailedAt(error, 0)) throw error;
        // The same member's other toggle changed the row in between: read again and go round.
      }
    }
    throw new ConflictError("The reaction kept changing; try again");
  }

  /** The user's reactions among `commentIds`, by comment: one chunked BatchGetItem of their reaction rows. */
  async reactedTo(userId: string, commentIds: readonly string[]): Promise<Map<string, ReactionKind>> {
    if (commentIds.length === 0) return new Map();
    const rows = await batchGetAll<Pick<Reaction, "commentId" | "kind">>(
      this.doc,
      this.tables.CommentReactions,
      [...new Set(commentIds)].map((commentId) => ({ commentId, userId })),
      { consistentRead: true, projection: ["commentId", "kind"] },
    );
    return new Map(rows.map((row) => [row.commentId, reactionKindOf(row)]));
  }

  /**
   * The user's reactions to the replies of each of `threadIds`, by reply: one Query of
   * ThreadReactionsIndex per thread, all at once, each its thread's first page (oldest replies
   * first, which are the ones an item's list shows). `incomplete` names each thread whose
   * reactions go on past that page, with the last reply the page reached.
   */
  async inThreads(
    userId: string,
    threadIds: readonly string[],
  ): Promise<{ kinds: Map<string, ReactionKind>; incomplete: Map<string, string> }> {
    const pages = await firstFailureOf(
      threadIds.map((threadId) =>
        queryKeyPage<Pick<Reaction, "commentId" | "kind">>(
          this.doc,
          partitionQuery({
            tableName: this.tables.CommentReactions,
            indexName: "ThreadReactionsIndex",
            key: { name: "userThread", value: userThreadKey(userId, threadId) },
          }),
          { limit: THREAD_REACTIONS_PAGE },
        ),
      ),
    );
    const kinds = new Map<string, ReactionKind>();
    // A thread whose page ended early: reactions to replies after its last one are not known.
    const incomplete = new Map<string, string>();
    pages.forEach((page, index) => {
      for (const row of page.items) kinds.set(row.commentId, reactionKindOf(row));
      const last = page.items.at(-1);
      if (page.lastKey && last) incomplete.set(threadIds[index]!, last.commentId);
    });
    return { kinds, incomplete };
  }

  /** Which of `userIds` reacted to `commentId`, with their kinds: one batch read of their rows (a push's viewers). */
  async reactorsAmong(commentId: string, userIds: readonly string[]): Promise<Map<string, ReactionKind>> {
    if (userIds.length === 0) return new Map();
    const rows = await batchGetAll<Pick<Reaction, "userId" | "kind">>(
      this.doc,
      this.tables.CommentReactions,
      [...new Set(userIds)].map((userId) => ({ commentId, userId })),
      { consistentRead: true, projection: ["userId", "kind"] },
    );
    return new Map(rows.map((row) => [row.userId, reactionKindOf(row)]));
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
   * the comment's counts (the total and the kind's) and its locator's copies go down by one, in
   * one transaction that holds only while the row exists with that kind, so a repeated call
   * never decrements twice. A deleted comment's counts go down too (they stay exact); a
   * comment that is gone altogether (comments are only ever soft-deleted, so this is a repair
   * case) has no count left to change, and the row alone is removed. True when this call
   * removed the row.
   */
  async removeForErasure(
    reaction: Pick<Reaction, "commentId" | "userId" | "itemId"> & Partial<Pick<Reaction, "kind">>,
  ): Promise<boolean> {
    const { commentId, userId } = reaction;
    let kind = reactionKindOf(reaction);
    const rowDelete = (condition?: ReturnType<typeof rowIsOfKind>): TransactItem => ({
      Delete: {
        TableName: this.tables.CommentReactions,
        Key: { commentId, userId },
        ConditionExpression: `attribute_exists(userId)${condition ? ` AND ${condition.expression}` : ""}`,
        ...(condition
          ? { ExpressionAttributeNames: { "#kind": "kind" }, ExpressionAttributeValues: condition.values }
          : {}),
      },
    });
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        // The row names the comment's item: no lookup of the comment needed.
        await transactWrite(this.doc, [
          rowDelete(rowIsOfKind(kind)),
          ...this.counterUpdates(reaction, counterDeltas({ outcome: "removed", kind }), true),
        ]);
        return true;
      } catch (error) {
        if (conditionFailedAt(error, 0)) {
          // Gone already (an earlier run took it back, and its count), or its kind changed since it was read.
          const current = await this.get(commentId, userId, true);
          if (!current) return false;
          kind = reactionKindOf(current);
          continue;
        }
        if (!conditionFailedAt(error, (index) => index > 0)) throw error;
        break;
      }
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

/** How many of a member's reactions in one thread an item's page reads (far more than its first replies). */
const THREAD_REACTIONS_PAGE = 100;

/** The ThreadReactionsIndex key of a member's reactions to one thread's replies. */
function userThreadKey(userId: string, threadId: string): string {
  return `${userId}#${threadId}`;
}
