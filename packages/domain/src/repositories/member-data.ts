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
    return queryPages<Comment>(this.doc, {
      TableName: this.tables.Comments,
      IndexName: "UserCommentsIndex",
      KeyConditionExpression: "#userId = :userId",
      ExpressionAttributeNames: { "#userId": "userId" },
      ExpressionAttributeValues: { ":userId": userId },
      Limit: MEMBER_DATA_PAGE_SIZE,
    });
  }

  /** Every reaction they gave, oldest first (UserReactionsIndex). */
  reactionPages(userId: string): AsyncGenerator<Reaction[]> {
    return queryPages<Reaction>(this.doc, {
      TableName: this.tables.CommentReactions,
      IndexName: "UserReactionsIndex",
      KeyConditionExpression: "#userId = :userId",
      ExpressionAttributeNames: { "#userId": "userId" },
      ExpressionAttributeValues: { ":userId": userId },
      Limit: MEMBER_DATA_PAGE_SIZE,
    });
  }

  /** Their membership row of every conversation they are in (hidden ones included). */
  conversationPages(userId: string): AsyncGenerator<ConversationMember[]> {
    return queryPages<ConversationMember>(this.doc, {
      TableName: this.tables.ConversationMembers,
      KeyConditionExpression: "#userId = :userId",
      ExpressionAttributeNames: { "#userId": "userId" },
      ExpressionAttributeValues: { ":userId": userId },
      ConsistentRead: true,
      Limit: MEMBER_DATA_PAGE_SIZE,
    });
  }

  /** Every message of a conversation, everyone's, oldest first. */
  messagePages(conversationId: string): AsyncGenerator<Message[]> {
    return queryPages<Message>(this.doc, {
      TableName: this.tables.Messages,
      KeyConditionExpression: "#conversationId = :conversationId",
      ExpressionAttributeNames: { "#conversationId": "conversationId" },
      ExpressionAttributeValues: { ":conversationId": conversationId },
      ConsistentRead: true,
      Limit: MEMBER_DATA_PAGE_SIZE,
    });
  }
}
