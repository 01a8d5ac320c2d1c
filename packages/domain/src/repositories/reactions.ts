import { GetCommand } from "@aws-sdk/lib-dynamodb";
import { type Page, type PageRequest, queryPage } from "../dynamo/query.js";
import { type TransactItem, transactWrite } from "../dynamo/transactions.js";
import type { Comment, Reaction } from "../entities.js";
import { ConflictError, NotFoundError, toDomainError } from "../errors.js";
import type { CommentsRepository } from "./comments.js";
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

  /** The comment's counter moves only if it still exists and is not deleted. */
  private counterUpdate(comment: Comment, delta: 1 | -1): TransactItem {
    return {
      Update: {
        TableName: this.tables.Comments,
        Key: { itemId: comment.itemId, commentId: comment.commentId },
        UpdateExpression: "ADD #count :delta",
        ConditionExpression: "attribute_exists(#commentId) AND attribute_not_exists(#deletedAt)",
        ExpressionAttributeNames: {
          "#count": "reactionCount",
          "#commentId": "commentId",
          "#deletedAt": "deletedAt",
        },
        ExpressionAttributeValues: { ":delta": delta },
      },
    };
  }

  /**
   * Likes the comment if the user has not, unlikes it if they have. The reaction row and
   * the comment's `reactionCount` change in one transaction, each conditioned on the
   * other's state, so the count always equals the number of rows, however many toggle at once.
   */
  async toggle(commentId: string, userId: string): Promise<ToggleResult> {
    const comment = await this.comments.findActiveById(commentId);
    const key = { commentId, userId };
    for (let attempt = 0; attempt < 5; attempt++) {
      const reaction: Reaction = {
        commentId,
        userId,
        itemId: comment.itemId,
        commentAuthorId: comment.userId,
        createdAt: this.timestamp(),
      };
      try {
        await transactWrite(this.doc, [
          {
            Put: {
              TableName: this.tables.CommentReactions,
              Item: reaction,
              ConditionExpression: "attribute_not_exists(userId)",
            },
          },
          this.counterUpdate(comment, 1),
        ]);
        return { liked: true, reactionCount: await this.currentCount(comment) };
      } catch (error) {
        if (!(error instanceof ConflictError)) throw error;
        if (error.reasons[1] === "ConditionalCheckFailed") throw new NotFoundError("Comment not found");
        if (error.reasons[0] !== "ConditionalCheckFailed") throw error;
      }
      // Already liked: unlike.
      try {
        await transactWrite(this.doc, [
          {
            Delete: {
              TableName: this.tables.CommentReactions,
              Key: key,
              ConditionExpression: "attribute_exists(userId)",
            },
          },
          this.counterUpdate(comment, -1),
        ]);
        return { liked: false, reactionCount: await this.currentCount(comment) };
      } catch (error) {
        if (!(error instanceof ConflictError)) throw error;
        if (error.reasons[1] === "ConditionalCheckFailed") throw new NotFoundError("Comment not found");
        if (error.reasons[0] !== "ConditionalCheckFailed") throw error;
        // The same user's other toggle removed it in between: go round again.
      }
    }
    throw new ConflictError("The reaction kept changing; try again");
  }

  private async currentCount(comment: Comment): Promise<number> {
    try {
      const output = await this.doc.send(
        new GetCommand({
          TableName: this.tables.Comments,
          Key: { itemId: comment.itemId, commentId: comment.commentId },
          ProjectionExpression: "reactionCount",
          ConsistentRead: true,
        }),
      );
      return (output.Item?.reactionCount as number | undefined) ?? 0;
    } catch (error) {
      throw toDomainError(error);
    }
  }

  async get(commentId: string, userId: string): Promise<Reaction | null> {
    try {
      const output = await this.doc.send(
        new GetCommand({ TableName: this.tables.CommentReactions, Key: { commentId, userId } }),
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
}
