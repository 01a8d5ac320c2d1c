import { GetCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { conditionFailedAt, isConditionFailure, itemAtCancellation } from "../dynamo/conditions.js";
import { assertItemFits } from "../dynamo/item-size.js";
import { firstFailureOf } from "../dynamo/parallel.js";
import {
  type KeyPage,
  type KeyPageRequest,
  type Page,
  type PageRequest,
  partitionQuery,
  queryAll,
  queryKeyPage,
  queryPage,
} from "../dynamo/query.js";
import { withRetry } from "../dynamo/retry.js";
import { type TransactItem, transactWrite } from "../dynamo/transactions.js";
import type { Comment } from "../entities.js";
import {
  ConflictError,
  InvalidInputError,
  itemAtConditionFailure,
  NotFoundError,
  StaleVersionError,
  toDomainError,
} from "../errors.js";
import { assertOwnerOrAdmin, type Caller } from "../rules/access.js";
import {
  appendEditHistory,
  commentVersion,
  FIRST_REPLIES,
  isReply,
  type ReplyPlacement,
  replyPlacement,
} from "../rules/comments.js";
import { FORMER_MEMBER } from "../rules/names.js";
import { Repository } from "./context.js";

export interface NewComment {
  itemId: string;
  userId: string;
  userName: string;
  userPhotoUrl: string | null;
  /** Already sanitized plain text. */
  commentText: string;
  itemTitle: string | null;
  /** Members the text names (checked by the caller); absent or empty when it names nobody. */
  mentions?: string[];
  /** Set on a reply (see `resolveReply`). */
  reply?: ReplyPlacement;
}

/**
 * How many edits of one comment may race and still all succeed. An edit loses a race only
 * when another edit landed between its read and its write, so an edit with this many attempts
 * outlasts this many rivals however the jitter falls; the backoff just spreads them out.
 */
export const CONCURRENT_EDITS = 25;
const EDIT_RETRY = { maxAttempts: CONCURRENT_EDITS, baseDelayMs: 5, maxDelayMs: 100 };

export interface EditOptions {
  /** The version the caller edited (`If-Match`); a comment changed since is a StaleVersionError. */
  expectedVersion?: number;
  /**
   * The members the new text mentions, replacing the old list (absent: the mentions stay as
   * they are). Adding someone sets `mentionsAddedAt`, which tells the newly mentioned.
   */
  mentions?: readonly string[];
  /**
   * Runs after the comment is read and before it is written (each attempt), with the comment
   * as read: a check that refuses the edit by throwing, or a read to start beside the write.
   */
  beforeWrite?: (current: Comment) => Promise<void>;
}

/**
 * A comment's locator row (CommentLocators): where the comment lives, found by its id alone
 * with one strongly consistent GetItem. `reactionCount` and `deletedAt` mirror the comment's
 * and change in the same transactions, so a like reads its current count without knowing
 * the item first.
 */
export interface CommentLocator {
  commentId: string;
  itemId: string;
  /** The comment's author. */
  userId: string;
  reactionCount: number;
  /** The per-kind counts but likes, as on the comment (see rules/reactions.ts). */
  reactionCount_love?: number;
  reactionCount_laugh?: number;
  reactionCount_wow?: number;
  reactionCount_sad?: number;
  /** On a reply: its thread's top comment, whose `replyCount` its deletion takes back. */
  threadId?: string;
  deletedAt?: string;
}

const NOT_DELETED = { expression: "attribute_not_exists(#deletedAt)", names: { "#deletedAt": "deletedAt" } };

/**
 * An item's list shows its top comments: live ones, and deleted ones whose thread still has
 * live replies (shown as deleted, so the replies keep their place).
 */
const TOP_LEVEL_SHOWN = {
  expression:
    "attribute_not_exists(#threadId) AND (attribute_not_exists(#deletedAt) OR #replyCount > :noReplies)",
  names: { "#threadId": "threadId", "#deletedAt": "deletedAt", "#replyCount": "replyCount" },
  values: { ":noReplies": 0 },
};

function answeredDeleted(): InvalidInputError {
  return new InvalidInputError("replyTo is a deleted comment");
}

/**
 * Items an item's list reads per top comment it shows: room for ten replies each in one
 * Query (a Query reads at most 1 MB, so long comments may still need a second).
 */
const TOP_LEVEL_READ_AHEAD = 11;

export function isDeleted(comment: Pick<Comment, "deletedAt">): boolean {
  return comment.deletedAt !== undefined;
}

export class CommentsRepository extends Repository {
  private get table(): string {
    return this.tables.Comments;
  }

  async create(input: NewComment): Promise<Comment> {
    const { reply, mentions, ...fields } = input;
    const now = this.timestamp();
    const comment: Comment = {
      ...fields,
      ...(mentions?.length ? { mentions } : {}),
      ...reply,
      commentId: this.newId(),
      createdAt: now,
      updatedAt: now,
      isEdited: false,
      editHistory: [],
      reactionCount: 0,
      version: 1,
    };
    assertItemFits(comment);
    const locator: CommentLocator = {
      commentId: comment.commentId,
      itemId: comment.itemId,
      userId: comment.userId,
      reactionCount: 0,
      ...(reply ? { threadId: reply.threadId } : {}),
    };
    // The comment and its locator exist together or not at all; a reply counts in its thread's
    // top comment in the same transaction, so `replyCount` stays exact however many reply at once.
    const writes: TransactItem[] = [
      {
        Put: { TableName: this.table, Item: comment, ConditionExpression: "attribute_not_exists(commentId)" },
      },
      {
        Put: {
          TableName: this.tables.CommentLocators,
          Item: locator,
          ConditionExpression: "attribute_not_exists(commentId)",
        },
      },
      ...(reply ? this.replyCountUpdates(comment.itemId, reply, 1) : []),
    ];
    try {
      await transactWrite(this.doc, writes);
    } catch (error) {
      // The comment answered was deleted between the check and the write.
      if (reply && conditionFailedAt(error, (index) => index >= 2)) throw answeredDeleted();
      throw error;
    }
    return comment;
  }

  /**
   * The thread's top comment counts one reply more or fewer. A new reply needs the comment it
   * answers live (checked with the count when it is the top, by a condition check otherwise);
   * the top itself may be deleted while its thread lives on.
   */
  private replyCountUpdates(
    itemId: string,
    reply: Pick<ReplyPlacement, "threadId"> & Partial<Pick<ReplyPlacement, "replyTo">>,
    delta: 1 | -1,
  ): TransactItem[] {
    const answersTop = delta === 1 && reply.replyTo === reply.threadId;
    const updates: TransactItem[] = [
      {
        Update: {
          TableName: this.table,
          Key: { itemId, commentId: reply.threadId },
          UpdateExpression: "ADD #replyCount :delta",
          ConditionExpression: answersTop
            ? "attribute_exists(#commentId) AND attribute_not_exists(#deletedAt)"
            : "attribute_exists(#commentId)",
          ExpressionAttributeNames: {
            "#replyCount": "replyCount",
            "#commentId": "commentId",
            ...(answersTop ? { "#deletedAt": "deletedAt" } : {}),
          },
          ExpressionAttributeValues: { ":delta": delta },
        },
      },
    ];
    if (delta === 1 && reply.replyTo !== undefined && !answersTop) {
      updates.push({
        ConditionCheck: {
          TableName: this.table,
          Key: { itemId, commentId: reply.replyTo },
          ConditionExpression: "attribute_exists(#commentId) AND attribute_not_exists(#deletedAt)",
          ExpressionAttributeNames: { "#commentId": "commentId", "#deletedAt": "deletedAt" },
        },
      });
    }
    return updates;
  }

  /**
   * Where a reply to `replyTo` on `itemId` goes. The comment answered must be on the same item
   * (else 400) and live (deleted: 400; missing: 404). One strongly consistent read; only a
   * comment not found on the item costs a second, to tell another item's comment from none.
   */
  async resolveReply(itemId: string, replyTo: string): Promise<ReplyPlacement> {
    const answered = await this.get(itemId, replyTo, true);
    if (!answered) {
      const elsewhere = await this.locate(replyTo);
      if (elsewhere) throw new InvalidInputError("replyTo must be a comment on the same item");
      throw new NotFoundError("The comment replied to was not found");
    }
    if (isDeleted(answered)) throw answeredDeleted();
    return replyPlacement(answered);
  }

  /** Where a comment lives, by its id alone (strongly consistent); null when there is no such comment. */
  async locate(commentId: string): Promise<CommentLocator | null> {
    try {
      const output = await this.doc.send(
        new GetCommand({
          TableName: this.tables.CommentLocators,
          Key: { commentId },
          ConsistentRead: true,
        }),
      );
      return (output.Item as CommentLocator | undefined) ?? null;
    } catch (error) {
      throw toDomainError(error);
    }
  }

  /** The locator of a comment that exists and is not deleted, or NotFound. */
  async locateActive(commentId: string): Promise<CommentLocator> {
    const locator = await this.locate(commentId);
    if (!locator || locator.deletedAt !== undefined) throw new NotFoundError("Comment not found");
    return locator;
  }

  /** The comment, soft-deleted or not; null when there is none. */
  async get(itemId: string, commentId: string, consistent = false): Promise<Comment | null> {
    try {
      const output = await this.doc.send(
        new GetCommand({ TableName: this.table, Key: { itemId, commentId }, ConsistentRead: consistent }),
      );
      return (output.Item as Comment | undefined) ?? null;
    } catch (error) {
      throw toDomainError(error);
    }
  }

  /** A comment found by its id alone (its locator, then a strongly consistent read). */
  async findById(commentId: string): Promise<Comment | null> {
    const locator = await this.locate(commentId);
    return locator ? this.get(locator.itemId, commentId, true) : null;
  }

  /** A comment that exists and is not deleted, or NotFound. */
  async getActive(itemId: string, commentId: string): Promise<Comment> {
    const comment = await this.get(itemId, commentId, true);
    if (!comment || isDeleted(comment)) throw new NotFoundError("Comment not found");
    return comment;
  }

  async findActiveById(commentId: string): Promise<Comment> {
    const comment = await this.findById(commentId);
    if (!comment || isDeleted(comment)) throw new NotFoundError("Comment not found");
    return comment;
  }

  /**
   * An item's top comments, oldest first: replies are in their threads, and a deleted top
   * comment is left out unless its thread still has live replies.
   */
  listByItem(itemId: string, page: PageRequest): Promise<Page<Comment>> {
    return queryPage<Comment>(
      this.doc,
      this.cursors,
      {
        tableName: this.table,
        keyAttributes: ["itemId", "commentId"],
        partitionKey: { name: "itemId", value: itemId },
        scanIndexForward: true,
        filter: TOP_LEVEL_SHOWN,
        // The item's replies sit among its top comments (by time) and are skipped here.
        readAhead: TOP_LEVEL_READ_AHEAD,
      },
      page,
    );
  }

  /** A thread's live replies, oldest first: one Query of ThreadIndex per page. */
  listReplies(threadId: string, page: PageRequest): Promise<Page<Comment>> {
    return queryPage<Comment>(
      this.doc,
      this.cursors,
      {
        tableName: this.table,
        indexName: "ThreadIndex",
        keyAttributes: ["itemId", "commentId", "threadId"],
        partitionKey: { name: "threadId", value: threadId },
        scanIndexForward: true,
        filter: NOT_DELETED,
      },
      page,
    );
  }

  /**
   * The first live replies (up to three, oldest first) of each top comment that has any: one
   * Query per thread, all at once.
   */
  async firstReplies(
    tops: readonly Pick<Comment, "commentId" | "replyCount">[],
  ): Promise<Map<string, Comment[]>> {
    const threads = tops.filter((top) => (top.replyCount ?? 0) > 0).map((top) => top.commentId);
    const pages = await firstFailureOf(
      threads.map((threadId) => this.listReplies(threadId, { limit: FIRST_REPLIES })),
    );
    return new Map(threads.map((threadId, index) => [threadId, pages[index]!.items]));
  }

  /** A user's comments across items, newest first, soft-deleted ones left out. */
  listByUser(userId: string, page: PageRequest): Promise<Page<Comment>> {
    return queryPage<Comment>(
      this.doc,
      this.cursors,
      {
        tableName: this.table,
        indexName: "UserCommentsIndex",
        keyAttributes: ["itemId", "commentId", "userId", "createdAt"],
        partitionKey: { name: "userId", value: userId },
        scanIndexForward: false,
        filter: NOT_DELETED,
      },
      page,
    );
  }

  /**
   * Everyone with a live comment on the item (for notifications; follows every page).
   * With `before` (a commentId), only comments written before that one count: ULIDs sort
   * by time, so people who commented later are not told about an earlier comment.
   */
  async commenterIds(itemId: string, options: { before?: string } = {}): Promise<Set<string>> {
    const ids = new Set<string>();
    const before = options.before !== undefined;
    for await (const item of queryAll<{ userId: string }>(this.doc, {
      TableName: this.table,
      KeyConditionExpression: before ? "#itemId = :itemId AND #commentId < :before" : "#itemId = :itemId",
      FilterExpression: NOT_DELETED.expression,
      ProjectionExpression: "#userId",
      ExpressionAttributeNames: {
        "#itemId": "itemId",
        "#userId": "userId",
        ...(before ? { "#commentId": "commentId" } : {}),
        ...NOT_DELETED.names,
      },
      ExpressionAttributeValues: { ":itemId": itemId, ...(before ? { ":before": options.before } : {}) },
    })) {
      ids.add(item.userId);
    }
    return ids;
  }

  /**
   * Edits the caller's own comment, keeping the last five versions. The write is conditional
   * on the version read, so concurrent edits serialize: a lost race is retried on the fresh
   * version, and every edit lands exactly once with the history it saw. With
   * `expectedVersion`, a comment changed since that version is refused instead.
   */
  async edit(
    itemId: string,
    commentId: string,
    caller: Caller,
    newText: string,
    options: EditOptions = {},
  ): Promise<Comment> {
    // Read once; a lost race hands back the comment as the winner left it, so a retry needs
    // only the write.
    let fresh: Comment | undefined;
    return withRetry(
      async () => {
        const current = fresh ?? (await this.getActive(itemId, commentId));
        fresh = undefined;
        assertOwnerOrAdmin(caller, current.userId, false, "comment");
        const seen = commentVersion(current);
        if (options.expectedVersion !== undefined && options.expectedVersion !== seen) {
          throw new StaleVersionError("The comment has changed since you loaded it; load it again and retry");
        }
        await options.beforeWrite?.(current);
        const now = this.timestamp();
        const before = new Set(current.mentions ?? []);
        const mentions = options.mentions === undefined ? undefined : [...options.mentions];
        const added = (mentions ?? []).some((id) => !before.has(id));
        const updated: Comment = {
          ...current,
          commentText: newText,
          updatedAt: now,
          isEdited: true,
          editHistory: appendEditHistory(current.editHistory, current.commentText, now),
          version: seen + 1,
          ...(mentions === undefined ? {} : { mentions }),
          ...(added ? { mentionsAddedAt: now } : {}),
        };
        assertItemFits(updated);
        try {
          const output = await this.doc.send(
            new UpdateCommand({
              TableName: this.table,
              Key: { itemId, commentId },
              UpdateExpression:
                "SET #text = :text, #updatedAt = :now, #isEdited = :true, #history = :history, #version = :next" +
                (mentions === undefined ? "" : ", #mentions = :mentions") +
                (added ? ", #mentionsAddedAt = :now" : ""),
              // A comment without a version is one from before versions existed, still at version 1.
              ConditionExpression: `${current.version === undefined ? "attribute_not_exists(#version)" : "#version = :seen"} AND attribute_not_exists(#deletedAt)`,
              ExpressionAttributeNames: {
                "#text": "commentText",
                "#updatedAt": "updatedAt",
                "#isEdited": "isEdited",
                "#history": "editHistory",
                "#version": "version",
                "#deletedAt": "deletedAt",
                ...(mentions === undefined ? {} : { "#mentions": "mentions" }),
                ...(added ? { "#mentionsAddedAt": "mentionsAddedAt" } : {}),
              },
              ExpressionAttributeValues: {
                ":text": newText,
                ":now": now,
                ":true": true,
                ":history": updated.editHistory,
                ":next": updated.version,
                ...(mentions === undefined ? {} : { ":mentions": mentions }),
                ...(current.version === undefined ? {} : { ":seen": seen }),
              },
              ReturnValues: "ALL_NEW",
              ReturnValuesOnConditionCheckFailure: "ALL_OLD",
            }),
          );
          return output.Attributes as Comment;
        } catch (error) {
          const winner = itemAtConditionFailure(error) as Comment | undefined;
          if (winner && isDeleted(winner)) throw new NotFoundError("Comment not found");
          fresh = winner;
          throw toDomainError(error);
        }
      },
      // A lost race, not a stale If-Match: read the fresh version and try again.
      (error) => error instanceof ConflictError && !(error instanceof StaleVersionError),
      EDIT_RETRY,
    );
  }

  /**
   * Soft-deletes a comment: its owner may, and with `asAdmin` an admin may delete anyone's.
   * One conditional update; a comment already deleted or missing is NotFound.
   */
  async softDelete(
    itemId: string,
    commentId: string,
    caller: Caller,
    options: { asAdmin: boolean },
  ): Promise<Comment> {
    const current = await this.getActive(itemId, commentId);
    assertOwnerOrAdmin(caller, current.userId, options.asAdmin, "comment");
    const now = await this.markDeleted(itemId, commentId, current.userId, caller.userId, current.threadId);
    return { ...current, deletedAt: now, deletedBy: caller.userId, updatedAt: now };
  }

  /**
   * An admin removes a comment found by its locator (which names the item and the author): no
   * read of the comment first, the transaction's conditions refuse one deleted meanwhile.
   */
  async moderate(
    locator: CommentLocator,
    admin: Caller,
  ): Promise<{ itemId: string; commentId: string; deletedAt: string }> {
    assertOwnerOrAdmin(admin, locator.userId, true, "comment");
    const deletedAt = await this.markDeleted(
      locator.itemId,
      locator.commentId,
      locator.userId,
      admin.userId,
      locator.threadId,
    );
    return { itemId: locator.itemId, commentId: locator.commentId, deletedAt };
  }

  /**
   * Marks the comment and its locator deleted together, and a reply's thread counts one reply
   * fewer in the same transaction; NotFound when it is gone already.
   */
  private async markDeleted(
    itemId: string,
    commentId: string,
    authorId: string,
    deletedBy: string,
    threadId: string | undefined,
  ): Promise<string> {
    const now = this.timestamp();
    try {
      // The comment and its locator are marked together, so a like never sees one deleted and not the other.
      await transactWrite(this.doc, [
        {
          Update: {
            TableName: this.table,
            Key: { itemId, commentId },
            UpdateExpression: "SET #deletedAt = :now, #deletedBy = :by, #updatedAt = :now",
            ConditionExpression: "attribute_exists(#commentId) AND attribute_not_exists(#deletedAt)",
            ExpressionAttributeNames: {
              "#deletedAt": "deletedAt",
              "#deletedBy": "deletedBy",
              "#updatedAt": "updatedAt",
              "#commentId": "commentId",
            },
            ExpressionAttributeValues: { ":now": now, ":by": deletedBy },
          },
        },
        {
          Update: {
            // Also (re)states where the comment lives, so a comment without a locator still deletes.
            TableName: this.tables.CommentLocators,
            Key: { commentId },
            UpdateExpression: "SET #deletedAt = :now, #itemId = :itemId, #author = :author",
            ConditionExpression: "attribute_not_exists(#deletedAt)",
            ExpressionAttributeNames: { "#deletedAt": "deletedAt", "#itemId": "itemId", "#author": "userId" },
            ExpressionAttributeValues: { ":now": now, ":itemId": itemId, ":author": authorId },
          },
        },
        ...(threadId ? this.replyCountUpdates(itemId, { threadId }, -1) : []),
      ]);
    } catch (error) {
      // Deleted by someone else between the read and the write.
      if (isConditionFailure(error)) {
        throw new NotFoundError("Comment not found");
      }
      throw error;
    }
    return now;
  }

  /** Every comment a user wrote, soft-deleted ones included, oldest first: for their account deletion. */
  listAllByUser(userId: string, page: KeyPageRequest): Promise<KeyPage<Comment>> {
    return queryKeyPage<Comment>(
      this.doc,
      partitionQuery({
        tableName: this.table,
        indexName: "UserCommentsIndex",
        key: { name: "userId", value: userId },
      }),
      page,
    );
  }

  /**
   * Erases a comment whose author's account is being deleted: soft-deleted (if it was not
   * already) with its text, edit history, name and photo gone, and marked `erasedAt`, with
   * its locator marked deleted in the same transaction. Replies and reactions of others stay
   * where they are; a top comment with live replies stays in its item's list as deleted, any
   * other vanishes like any soft-deleted one. A live reply's thread counts one reply fewer in
   * the same transaction. Conditional on the comment not being erased yet, so a repeated call
   * changes nothing. True when this call erased it.
   */
  async eraseByAuthor(
    comment: Pick<Comment, "itemId" | "commentId" | "userId"> &
      Partial<Pick<Comment, "threadId" | "deletedAt">>,
  ): Promise<boolean> {
    const { itemId, commentId, userId, threadId } = comment;
    // A live reply takes its count back with it; one deleted meanwhile was taken back already.
    let live = isReply(comment) && comment.deletedAt === undefined;
    for (let attempt = 0; attempt < 2; attempt++) {
      const now = this.timestamp();
      try {
        await transactWrite(this.doc, [
          {
            Update: {
              TableName: this.table,
              Key: { itemId, commentId },
              UpdateExpression:
                "SET #text = :empty, #history = :none, #userName = :former, #photo = :null, #erasedAt = :now, " +
                "#deletedAt = if_not_exists(#deletedAt, :now), #deletedBy = if_not_exists(#deletedBy, :author), " +
                "#updatedAt = :now REMOVE #mentions",
              ConditionExpression: `attribute_exists(#commentId) AND #author = :author AND attribute_not_exists(#erasedAt)${live ? " AND attribute_not_exists(#deletedAt)" : ""}`,
              ExpressionAttributeNames: {
                "#text": "commentText",
                // Whom it named goes with the text.
                "#mentions": "mentions",
                "#history": "editHistory",
                "#userName": "userName",
                "#photo": "userPhotoUrl",
                "#erasedAt": "erasedAt",
                "#deletedAt": "deletedAt",
                "#deletedBy": "deletedBy",
                "#updatedAt": "updatedAt",
                "#commentId": "commentId",
                "#author": "userId",
              },
              ExpressionAttributeValues: {
                ":empty": "",
                ":none": [],
                ":former": FORMER_MEMBER,
                ":null": null,
                ":now": now,
                ":author": userId,
              },
              ReturnValuesOnConditionCheckFailure: "ALL_OLD",
            },
          },
          {
            Update: {
              TableName: this.tables.CommentLocators,
              Key: { commentId },
              UpdateExpression:
                "SET #deletedAt = if_not_exists(#deletedAt, :now), #itemId = :itemId, #author = :author",
              ExpressionAttributeNames: {
                "#deletedAt": "deletedAt",
                "#itemId": "itemId",
                "#author": "userId",
              },
              ExpressionAttributeValues: { ":now": now, ":itemId": itemId, ":author": userId },
            },
          },
          ...(live && threadId ? this.replyCountUpdates(itemId, { threadId }, -1) : []),
        ]);
        return true;
      } catch (error) {
        if (!conditionFailedAt(error, 0)) throw error;
        const current = itemAtCancellation(error, 0) as Comment | undefined;
        // Deleted (not erased) between the listing and now: erase it without taking its count again.
        if (live && current && current.userId === userId && !current.erasedAt && current.deletedAt) {
          live = false;
          continue;
        }
        // Erased already (a resumed run), or not theirs after all: nothing to change.
        return false;
      }
    }
    return false;
  }
}
