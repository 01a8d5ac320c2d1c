import { GetCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { conditionFailedAt, isConditionFailure } from "../dynamo/conditions.js";
import { assertItemFits } from "../dynamo/item-size.js";
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
import { transactWrite } from "../dynamo/transactions.js";
import type { Comment } from "../entities.js";
import {
  ConflictError,
  itemAtConditionFailure,
  NotFoundError,
  StaleVersionError,
  toDomainError,
} from "../errors.js";
import { assertOwnerOrAdmin, type Caller } from "../rules/access.js";
import { appendEditHistory, commentVersion } from "../rules/comments.js";
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
  deletedAt?: string;
}

const NOT_DELETED = { expression: "attribute_not_exists(#deletedAt)", names: { "#deletedAt": "deletedAt" } };

export function isDeleted(comment: Pick<Comment, "deletedAt">): boolean {
  return comment.deletedAt !== undefined;
}

export class CommentsRepository extends Repository {
  private get table(): string {
    return this.tables.Comments;
  }

  async create(input: NewComment): Promise<Comment> {
    const now = this.timestamp();
    const { mentions, ...fields } = input;
    const comment: Comment = {
      ...fields,
      ...(mentions?.length ? { mentions } : {}),
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
    };
    // The comment and its locator exist together or not at all.
    await transactWrite(this.doc, [
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
    ]);
    return comment;
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

  /** An item's comments, oldest first, soft-deleted ones left out. */
  listByItem(itemId: string, page: PageRequest): Promise<Page<Comment>> {
    return queryPage<Comment>(
      this.doc,
      this.cursors,
      {
        tableName: this.table,
        keyAttributes: ["itemId", "commentId"],
        partitionKey: { name: "itemId", value: itemId },
        scanIndexForward: true,
        filter: NOT_DELETED,
      },
      page,
    );
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
    const now = await this.markDeleted(itemId, commentId, current.userId, caller.userId);
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
    const deletedAt = await this.markDeleted(locator.itemId, locator.commentId, locator.userId, admin.userId);
    return { itemId: locator.itemId, commentId: locator.commentId, deletedAt };
  }

  /** Marks the comment and its locator deleted together; NotFound when it is gone already. */
  private async markDeleted(
    itemId: string,
    commentId: string,
    authorId: string,
    deletedBy: string,
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
   * where they are; the comment vanishes from lists like any soft-deleted one. Conditional
   * on the comment not being erased yet, so a repeated call changes nothing. True when this
   * call erased it.
   */
  async eraseByAuthor(comment: Pick<Comment, "itemId" | "commentId" | "userId">): Promise<boolean> {
    const { itemId, commentId, userId } = comment;
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
            ConditionExpression:
              "attribute_exists(#commentId) AND #author = :author AND attribute_not_exists(#erasedAt)",
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
          },
        },
        {
          Update: {
            TableName: this.tables.CommentLocators,
            Key: { commentId },
            UpdateExpression:
              "SET #deletedAt = if_not_exists(#deletedAt, :now), #itemId = :itemId, #author = :author",
            ExpressionAttributeNames: { "#deletedAt": "deletedAt", "#itemId": "itemId", "#author": "userId" },
            ExpressionAttributeValues: { ":now": now, ":itemId": itemId, ":author": userId },
          },
        },
      ]);
      return true;
    } catch (error) {
      // Erased already (a resumed run), or not theirs after all: nothing to change.
      if (conditionFailedAt(error, 0)) return false;
      throw error;
    }
  }
}
