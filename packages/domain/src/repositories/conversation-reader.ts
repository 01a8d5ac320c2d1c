import { GetCommand } from "@aws-sdk/lib-dynamodb";
import type { ConversationMember, Message } from "../entities.js";
import { toDomainError } from "../errors.js";
import { Repository } from "./context.js";

/**
 * Reading one membership or one message, apart from the conversations' writes: what the
 * notifications processor needs, without bundling the whole repository.
 */
export class ConversationReader extends Repository {
  /** One item read strongly consistent (a membership just changed must be seen), or null. */
  protected async getConsistent<T>(tableName: string, key: Record<string, string>): Promise<T | null> {
    try {
      const output = await this.doc.send(
        new GetCommand({ TableName: tableName, Key: key, ConsistentRead: true }),
      );
      return (output.Item as T | undefined) ?? null;
    } catch (error) {
      throw toDomainError(error);
    }
  }

  getMembership(userId: string, conversationId: string): Promise<ConversationMember | null> {
    return this.getConsistent(this.tables.ConversationMembers, { userId, conversationId });
  }

  /** A message as stored, or null. */
  getMessage(conversationId: string, messageId: string): Promise<Message | null> {
    return this.getConsistent(this.tables.Messages, { conversationId, messageId });
  }
}
