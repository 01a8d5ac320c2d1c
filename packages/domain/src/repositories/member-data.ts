import { queryPages } from "../dynamo/query.js";
import type { Comment, ConversationMember, Message, Reaction } from "../entities.js";
import { Repository } from "./context.js";

/** Items per Query page when walking a member's data to the end (a page is also at most 1 MB). */
export const MEMBER_DATA_PAGE_SIZE = 100;

/**
 * Everything stored about or for one member, read page by page to the end through Queries
 * (never a Scan), for background work on their data (the export, the deletion): each method
 * yields one Query page at a time, so a caller holds no more than a page in memory.
 */
export class MemberDataReader extends Repository {
  /** Every comment they wrote, oldest first, soft-deleted ones included (UserCommentsIndex). */
  commentPages(userId: string): AsyncGenerator<Comment[]> {
    return this.pages(this.tables.Comments, "UserCommentsIndex", "userId", userId);
  }

  /** Every reaction they gave, oldest first (UserReactionsIndex). */
  reactionPages(userId: string): AsyncGenerator<Reaction[]> {
    return this.pages(this.tables.CommentReactions, "UserReactionsIndex", "userId", userId);
  }

  /** Their membership row of every conversation they are in (hidden ones included). */
  conversationPages(userId: string): AsyncGenerator<ConversationMember[]> {
    return this.pages(this.tables.ConversationMembers, undefined, "userId", userId);
  }

  /** Every message of a conversation, everyone's, oldest first. */
  messagePages(conversationId: string): AsyncGenerator<Message[]> {
    return this.pages(this.tables.Messages, undefined, "conversationId", conversationId);
  }

  /** One partition of a table (strongly consistent) or of an index, page by page. */
  private pages<T extends Record<string, unknown>>(
    tableName: string,
    indexName: string | undefined,
    partitionKey: string,
    value: string,
  ): AsyncGenerator<T[]> {
    return queryPages<T>(this.doc, {
      TableName: tableName,
      IndexName: indexName,
      KeyConditionExpression: "#pk = :pk",
      ExpressionAttributeNames: { "#pk": partitionKey },
      ExpressionAttributeValues: { ":pk": value },
      // GSIs are eventually consistent only.
      ...(indexName ? {} : { ConsistentRead: true }),
      Limit: MEMBER_DATA_PAGE_SIZE,
    });
  }
}
