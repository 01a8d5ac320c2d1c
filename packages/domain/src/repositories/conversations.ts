import { GetCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { type Page, type PageRequest, queryPage } from "../dynamo/query.js";
import { type TransactItem, transactWrite } from "../dynamo/transactions.js";
import type { Attachment, ConversationMember, ConversationType, Message } from "../entities.js";
import { ConflictError, InvalidInputError, NotFoundError, toDomainError } from "../errors.js";
import { messagePreview } from "../rules/conversations.js";
import { Repository } from "./context.js";

export interface NewConversation {
  conversationId: string;
  conversationType: ConversationType;
  participantIds: string[];
  title: string | null;
}

export interface NewMessage {
  conversationId: string;
  senderId: string;
  senderName: string;
  /** Already sanitized plain text; may be empty when there are attachments. */
  messageText: string;
  attachments: Attachment[];
}

/** Conversations (one membership row per participant) and their messages. */
export class ConversationsRepository extends Repository {
  async getMembership(userId: string, conversationId: string): Promise<ConversationMember | null> {
    try {
      const output = await this.doc.send(
        new GetCommand({
          TableName: this.tables.ConversationMembers,
          Key: { userId, conversationId },
          ConsistentRead: true,
        }),
      );
      return (output.Item as ConversationMember | undefined) ?? null;
    } catch (error) {
      throw toDomainError(error);
    }
  }

  async isParticipant(userId: string, conversationId: string): Promise<boolean> {
    return (await this.getMembership(userId, conversationId)) !== null;
  }

  /**
   * One new membership row per participant, each only if absent. With a first message the
   * rows start with it (unread 1 for everyone but its sender); without, they start empty.
   */
  private membershipPuts(conversation: NewConversation, at: string, first: Message | null): TransactItem[] {
    const preview = first ? messagePreview(first.messageText, first.attachments.length) : "";
    return conversation.participantIds.map((userId) => ({
      Put: {
        TableName: this.tables.ConversationMembers,
        Item: {
          userId,
          conversationId: conversation.conversationId,
          conversationType: conversation.conversationType,
          participantIds: conversation.participantIds,
          title: conversation.title,
          unreadCount: first && userId !== first.senderId ? 1 : 0,
          lastMessageAt: at,
          lastMessagePreview: preview,
          lastMessageSenderId: first?.senderId ?? null,
          createdAt: at,
        } satisfies ConversationMember,
        ConditionExpression: "attribute_not_exists(conversationId)",
      },
    }));
  }

  /**
   * Writes every participant's membership row in one transaction. Returns false when the
   * conversation already exists (a direct conversation started again), which is not an error.
   */
  async create(conversation: NewConversation): Promise<boolean> {
    const items = this.membershipPuts(conversation, this.timestamp(), null);
    try {
      await transactWrite(this.doc, items);
      return true;
    } catch (error) {
      if (error instanceof ConflictError && error.reasons.includes("ConditionalCheckFailed")) return false;
      throw error;
    }
  }

  /**
   * Starts a conversation with its first message in one transaction: the message and every
   * participant's membership row (unread 1 for the others, 0 for the sender, last-message
   * fields set) land together or not at all, so a failed start leaves no empty conversation.
   * When the conversation exists already (a direct one started again, perhaps at the same
   * moment by the other person), the message is appended to it instead.
   */
  async start(
    conversation: NewConversation,
    first: Omit<NewMessage, "conversationId">,
  ): Promise<{ message: Message; created: boolean }> {
    if (!conversation.participantIds.includes(first.senderId)) {
      throw new InvalidInputError("The sender must be one of the participants");
    }
    const message: Message = {
      ...first,
      conversationId: conversation.conversationId,
      messageId: this.newId(),
      createdAt: this.timestamp(),
    };
    const memberPuts = this.membershipPuts(conversation, message.createdAt, message);
    try {
      await transactWrite(this.doc, [
        {
          Put: {
            TableName: this.tables.Messages,
            Item: message,
            ConditionExpression: "attribute_not_exists(messageId)",
          },
        },
        ...memberPuts,
      ]);
      return { message, created: true };
    } catch (error) {
      if (!(error instanceof ConflictError && error.reasons.includes("ConditionalCheckFailed"))) throw error;
    }
    return {
      message: await this.sendMessage({ ...first, conversationId: conversation.conversationId }),
      created: false,
    };
  }

  /**
   * Stores a message and, in the same transaction, raises every other participant's unread
   * count by one and moves everyone's last-message fields. The sender must be a member.
   */
  async sendMessage(input: NewMessage): Promise<Message> {
    const membership = await this.getMembership(input.senderId, input.conversationId);
    if (!membership) throw new NotFoundError("Conversation not found");
    const message: Message = { ...input, messageId: this.newId(), createdAt: this.timestamp() };
    const preview = messagePreview(input.messageText, input.attachments.length);
    const memberUpdates: TransactItem[] = membership.participantIds.map((userId) => {
      const isSender = userId === input.senderId;
      return {
        Update: {
          TableName: this.tables.ConversationMembers,
          Key: { userId, conversationId: input.conversationId },
          UpdateExpression: `SET #at = :at, #preview = :preview, #sender = :sender${isSender ? "" : " ADD #unread :one"}`,
          ConditionExpression: "attribute_exists(conversationId)",
          ExpressionAttributeNames: {
            "#at": "lastMessageAt",
            "#preview": "lastMessagePreview",
            "#sender": "lastMessageSenderId",
            ...(isSender ? {} : { "#unread": "unreadCount" }),
          },
          ExpressionAttributeValues: {
            ":at": message.createdAt,
            ":preview": preview,
            ":sender": input.senderId,
            ...(isSender ? {} : { ":one": 1 }),
          },
        },
      };
    });
    await transactWrite(this.doc, [
      {
        Put: {
          TableName: this.tables.Messages,
          Item: message,
          ConditionExpression: "attribute_not_exists(messageId)",
        },
      },
      ...memberUpdates,
    ]);
    return message;
  }

  /** The user's conversations, most recent first. */
  listConversations(userId: string, page: PageRequest): Promise<Page<ConversationMember>> {
    return queryPage<ConversationMember>(
      this.doc,
      this.cursors,
      {
        tableName: this.tables.ConversationMembers,
        indexName: "RecentConversationsIndex",
        keyAttributes: ["userId", "conversationId", "lastMessageAt"],
        partitionKey: { name: "userId", value: userId },
        scanIndexForward: false,
      },
      page,
    );
  }

  /** A conversation's messages, newest first. */
  listMessages(conversationId: string, page: PageRequest): Promise<Page<Message>> {
    return queryPage<Message>(
      this.doc,
      this.cursors,
      {
        tableName: this.tables.Messages,
        keyAttributes: ["conversationId", "messageId"],
        partitionKey: { name: "conversationId", value: conversationId },
        scanIndexForward: false,
      },
      page,
    );
  }

  /** Resets the caller's unread count; NotFound when they are not a participant. */
  async markRead(userId: string, conversationId: string): Promise<ConversationMember> {
    try {
      const output = await this.doc.send(
        new UpdateCommand({
          TableName: this.tables.ConversationMembers,
          Key: { userId, conversationId },
          UpdateExpression: "SET #unread = :zero",
          ConditionExpression: "attribute_exists(conversationId)",
          ExpressionAttributeNames: { "#unread": "unreadCount" },
          ExpressionAttributeValues: { ":zero": 0 },
          ReturnValues: "ALL_NEW",
        }),
      );
      return output.Attributes as ConversationMember;
    } catch (error) {
      const domainError = toDomainError(error);
      if (domainError instanceof ConflictError && !domainError.isTransactionConflict) {
        throw new NotFoundError("Conversation not found");
      }
      throw domainError;
    }
  }
}
