import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import { UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import { conditionFailedAt, isConditionFailure } from "../dynamo/conditions.js";
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
import { type TransactItem, transactWrite } from "../dynamo/transactions.js";
import type { Attachment, ConversationMember, ConversationType, Message } from "../entities.js";
import { ForbiddenError, InvalidInputError, NotFoundError, toDomainError } from "../errors.js";
import { DELETED_MESSAGE_PREVIEW, messagePreview } from "../rules/conversations.js";
import { FORMER_MEMBER } from "../rules/names.js";
import { ConversationReader } from "./conversation-reader.js";

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
  /** Members the text names (checked by the caller to be participants); absent when none. */
  mentions?: string[];
}

/** Attempts at a membership transaction while others join the race (leave, send). */
const MAX_MEMBERSHIP_ATTEMPTS = 5;

/** Conversations (one membership row per participant) and their messages. */
export class ConversationsRepository extends ConversationReader {
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
          ...(first ? { lastMessageId: first.messageId } : {}),
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
      if (conditionFailedAt(error)) return false;
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
    /**
     * The sender's membership of `conversation`, when the caller has read it already (a
     * direct conversation's id is known in advance): an existing one is sent to at once.
     */
    senderMembership?: ConversationMember | null,
  ): Promise<{ message: Message; created: boolean }> {
    if (!conversation.participantIds.includes(first.senderId)) {
      throw new InvalidInputError("The sender must be one of the participants");
    }
    if (senderMembership) {
      const input = { ...first, conversationId: conversation.conversationId };
      return { message: await this.sendMessage(input, senderMembership), created: false };
    }
    const message: Message = {
      ...first,
      conversationId: conversation.conversationId,
      messageId: this.newId(),
      createdAt: this.timestamp(),
    };
    const memberPuts = this.membershipPuts(conversation, message.createdAt, message);
    try {
      await transactWrite(this.doc, [this.newMessagePut(message), ...memberPuts]);
      return { message, created: true };
    } catch (error) {
      if (!conditionFailedAt(error)) throw error;
    }
    return {
      message: await this.sendMessage({ ...first, conversationId: conversation.conversationId }),
      created: false,
    };
  }

  /**
   * Stores a message and, in the same transaction, raises every other participant's unread
   * count by one, moves everyone's last-message fields and shows the conversation again to
   * whoever hid it. The sender must be a member. Someone leaving at the same moment makes
   * the transaction fail its conditions: it is built again from the fresh membership.
   */
  async sendMessage(
    input: NewMessage,
    /** The sender's membership, read by the caller alongside its other reads: the first attempt uses it. */
    senderMembership?: ConversationMember | null,
  ): Promise<Message> {
    for (let attempt = 1; ; attempt++) {
      const membership =
        attempt === 1 && senderMembership !== undefined
          ? senderMembership
          : await this.getMembership(input.senderId, input.conversationId);
      if (!membership) throw new NotFoundError("Conversation not found");
      const message: Message = { ...input, messageId: this.newId(), createdAt: this.timestamp() };
      try {
        await transactWrite(this.doc, [
          this.newMessagePut(message),
          ...this.lastMessageUpdates(membership.participantIds, message),
        ]);
        return message;
      } catch (error) {
        // A member joined the race (left meanwhile): try again on the fresh membership.
        if (!conditionFailedAt(error) || attempt >= MAX_MEMBERSHIP_ATTEMPTS) throw error;
      }
    }
  }

  private newMessagePut(message: Message): TransactItem {
    return {
      Put: {
        TableName: this.tables.Messages,
        Item: message,
        ConditionExpression: "attribute_not_exists(messageId)",
      },
    };
  }

  private lastMessageUpdates(participantIds: readonly string[], message: Message): TransactItem[] {
    const preview = messagePreview(message.messageText, message.attachments.length);
    return participantIds.map((userId) => {
      const isSender = userId === message.senderId;
      return {
        Update: {
          TableName: this.tables.ConversationMembers,
          Key: { userId, conversationId: message.conversationId },
          UpdateExpression: `SET #at = :at, #preview = :preview, #sender = :sender, #lastId = :id REMOVE #hidden${isSender ? "" : " ADD #unread :one"}`,
          ConditionExpression: "attribute_exists(conversationId)",
          ExpressionAttributeNames: {
            "#at": "lastMessageAt",
            "#preview": "lastMessagePreview",
            "#sender": "lastMessageSenderId",
            "#lastId": "lastMessageId",
            "#hidden": "hiddenAt",
            ...(isSender ? {} : { "#unread": "unreadCount" }),
          },
          ExpressionAttributeValues: {
            ":at": message.createdAt,
            ":preview": preview,
            ":sender": message.senderId,
            ":id": message.messageId,
            ...(isSender ? {} : { ":one": 1 }),
          },
        },
      };
    });
  }

  /**
   * The sender deletes their message: it stays in place as deleted, its text and
   * attachments gone (the attachments' objects are removed by the attachment cleanup
   * processor from the stream's old image), and every member whose last-message preview
   * showed it now sees that it was deleted. One conditional UpdateItem decides, so a
   * message is never half deleted; deleting it again returns it as it is.
   * NotFound when the message is missing, Forbidden when someone else sent it.
   *
   * `known` is the message as the caller read it (`getMessage`, alongside its own checks);
   * without it, it is read here. The previews are updated together with the message, not
   * after it: each is conditioned on still showing this very message, which the read showed
   * is the caller's and not deleted, and the message's update can then only lose to its
   * being deleted at the same moment (again, or erased with its sender's account), when
   * "deleted" is what those previews rightly say.
   */
  async deleteMessage(
    senderId: string,
    conversationId: string,
    messageId: string,
    participantIds: readonly string[],
    known?: Message | null,
  ): Promise<Message> {
    const message = known === undefined ? await this.getMessage(conversationId, messageId) : known;
    if (!message) throw new NotFoundError("Message not found");
    if (message.senderId !== senderId) throw new ForbiddenError("Only its sender may delete a message");
    if (message.deleted !== undefined) return message;
    const [deleted] = await Promise.all([
      this.markDeleted(senderId, conversationId, messageId),
      ...participantIds.map((userId) => this.markPreviewDeleted(userId, conversationId, message)),
    ]);
    return deleted;
  }

  /** The conditional UpdateItem that deletes a message; the message as it now is. */
  private async markDeleted(senderId: string, conversationId: string, messageId: string): Promise<Message> {
    try {
      const output = await this.doc.send(
        new UpdateCommand({
          TableName: this.tables.Messages,
          Key: { conversationId, messageId },
          UpdateExpression:
            "SET #deleted = :true, #deletedAt = :now, #text = :empty, #attachments = :none REMOVE #mentions",
          ConditionExpression:
            "attribute_exists(messageId) AND #sender = :sender AND attribute_not_exists(#deleted)",
          ExpressionAttributeNames: {
            // Whom it named goes with the text.
            "#mentions": "mentions",
            "#deleted": "deleted",
            "#deletedAt": "deletedAt",
            "#text": "messageText",
            "#attachments": "attachments",
            "#sender": "senderId",
          },
          ExpressionAttributeValues: {
            ":true": true,
            ":now": this.timestamp(),
            ":empty": "",
            ":none": [],
            ":sender": senderId,
          },
          ReturnValues: "ALL_NEW",
          ReturnValuesOnConditionCheckFailure: "ALL_OLD",
        }),
      );
      return output.Attributes as Message;
    } catch (error) {
      if (!isConditionFailure(error)) throw toDomainError(error);
      const item = (error as { Item?: Record<string, AttributeValue> }).Item;
      const existing = item ? (unmarshall(item) as Message) : undefined;
      if (!existing) throw new NotFoundError("Message not found");
      if (existing.senderId !== senderId) throw new ForbiddenError("Only its sender may delete a message");
      return existing;
    }
  }

  /** Replaces a member's preview if (and only if) it still describes `message`. */
  private async markPreviewDeleted(userId: string, conversationId: string, message: Message): Promise<void> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tables.ConversationMembers,
          Key: { userId, conversationId },
          UpdateExpression: "SET #preview = :deleted",
          // Rows from before lastMessageId existed are matched by the message's time.
          ConditionExpression:
            "#lastId = :id OR (attribute_not_exists(#lastId) AND #at = :at AND #sender = :sender)",
          ExpressionAttributeNames: {
            "#preview": "lastMessagePreview",
            "#lastId": "lastMessageId",
            "#at": "lastMessageAt",
            "#sender": "lastMessageSenderId",
          },
          ExpressionAttributeValues: {
            ":deleted": DELETED_MESSAGE_PREVIEW,
            ":id": message.messageId,
            ":at": message.createdAt,
            ":sender": message.senderId,
          },
        }),
      );
    } catch (error) {
      // A newer message (or the member leaving) took over the row: nothing to change there.
      if (isConditionFailure(error)) return;
      throw toDomainError(error);
    }
  }

  /**
   * The member leaves a group: their row goes, and every remaining member's
   * `participantIds` loses them, in one transaction conditioned on the list it read (two
   * people leaving at once retry on the fresh list). The last one out leaves the messages
   * stored but reachable by nobody. NotFound when they are not a member.
   */
  async leaveGroup(userId: string, conversationId: string, known?: ConversationMember): Promise<void> {
    await this.removeFromConversation(userId, conversationId, known, { formerMember: false });
  }

  /**
   * Takes a member whose account is being deleted out of a conversation of any kind, the
   * way leaving a group does; the others keep it. When the last message in it was theirs
   * (erased by then), the others' previews say it was deleted, in the same transaction.
   * False when they were no longer in it (a resumed run).
   */
  removeFormerMember(userId: string, conversationId: string): Promise<boolean> {
    return this.removeFromConversation(userId, conversationId, undefined, { formerMember: true });
  }

  private async removeFromConversation(
    userId: string,
    conversationId: string,
    known: ConversationMember | undefined,
    options: { formerMember: boolean },
  ): Promise<boolean> {
    for (let attempt = 1; ; attempt++) {
      // The caller's row as just read saves a round trip on the first attempt.
      const membership =
        attempt === 1 && known?.userId === userId && known.conversationId === conversationId
          ? known
          : await this.getMembership(userId, conversationId);
      if (!membership) {
        if (options.formerMember) return false;
        throw new NotFoundError("Conversation not found");
      }
      if (!options.formerMember && membership.conversationType !== "group") {
        throw new InvalidInputError("Only a group can be left; a direct conversation can be hidden");
      }
      const remaining = membership.participantIds.filter((id) => id !== userId);
      // Conditioned on the sender too, so a newer message landing meanwhile is never relabelled.
      const relabelPreview = options.formerMember && membership.lastMessageSenderId === userId;
      const items: TransactItem[] = [
        {
          Delete: {
            TableName: this.tables.ConversationMembers,
            Key: { userId, conversationId },
            ConditionExpression: "#ids = :old",
            ExpressionAttributeNames: { "#ids": "participantIds" },
            ExpressionAttributeValues: { ":old": membership.participantIds },
          },
        },
        ...remaining.map(
          (otherId): TransactItem => ({
            Update: {
              TableName: this.tables.ConversationMembers,
              Key: { userId: otherId, conversationId },
              UpdateExpression: relabelPreview
                ? "SET #ids = :remaining, #preview = :deleted"
                : "SET #ids = :remaining",
              ConditionExpression: relabelPreview ? "#ids = :old AND #sender = :leaver" : "#ids = :old",
              ExpressionAttributeNames: {
                "#ids": "participantIds",
                ...(relabelPreview
                  ? { "#preview": "lastMessagePreview", "#sender": "lastMessageSenderId" }
                  : {}),
              },
              ExpressionAttributeValues: {
                ":remaining": remaining,
                ":old": membership.participantIds,
                ...(relabelPreview ? { ":deleted": DELETED_MESSAGE_PREVIEW, ":leaver": userId } : {}),
              },
            },
          }),
        ),
      ];
      try {
        await transactWrite(this.doc, items);
        return true;
      } catch (error) {
        // A member joined the race (left meanwhile, or a message arrived): try again on the fresh membership.
        if (!conditionFailedAt(error) || attempt >= MAX_MEMBERSHIP_ATTEMPTS) throw error;
      }
    }
  }

  /**
   * A member's conversation rows, strongly consistent (read right after removing one, it is
   * gone): their account deletion takes the first one at a time until none is left.
   */
  listMemberships(userId: string, page: KeyPageRequest): Promise<KeyPage<ConversationMember>> {
    return queryKeyPage<ConversationMember>(
      this.doc,
      partitionQuery({
        tableName: this.tables.ConversationMembers,
        key: { name: "userId", value: userId },
        consistentRead: true,
      }),
      page,
    );
  }

  /** The messages one participant sent in a conversation, oldest first (the others' are read and skipped). */
  listMessagesBySender(
    conversationId: string,
    senderId: string,
    page: KeyPageRequest,
  ): Promise<KeyPage<Message>> {
    return queryKeyPage<Message>(
      this.doc,
      partitionQuery({
        tableName: this.tables.Messages,
        key: { name: "conversationId", value: conversationId },
        only: { name: "senderId", value: senderId },
      }),
      page,
    );
  }

  /**
   * Every message `senderId` sent, in every conversation (the ones they left included), by
   * the sender index: keys only, in id order. Erased messages keep their sender, so they stay
   * listed and a page done twice is the same page.
   */
  listAllSentBy(
    senderId: string,
    page: KeyPageRequest,
  ): Promise<KeyPage<Pick<Message, "conversationId" | "messageId" | "senderId">>> {
    return queryKeyPage(
      this.doc,
      partitionQuery({
        tableName: this.tables.Messages,
        indexName: "SenderMessagesIndex",
        key: { name: "senderId", value: senderId },
      }),
      page,
    );
  }

  /**
   * Erases a message whose sender's account is being deleted: deleted (if it was not), text
   * and attachments gone, the sender shown as a former member, marked `erasedAt`. One
   * conditional UpdateItem; the attachment cleanup processor removes the files from the
   * stream's old image, as for any message its sender deletes. Returns the message as it
   * was, or null when it was erased already (a resumed run).
   */
  async eraseMessage(
    message: Pick<Message, "conversationId" | "messageId" | "senderId">,
  ): Promise<Message | null> {
    try {
      const output = await this.doc.send(
        new UpdateCommand({
          TableName: this.tables.Messages,
          Key: { conversationId: message.conversationId, messageId: message.messageId },
          UpdateExpression:
            "SET #deleted = :true, #deletedAt = if_not_exists(#deletedAt, :now), #text = :empty, " +
            "#attachments = :none, #senderName = :former, #erasedAt = :now REMOVE #mentions",
          ConditionExpression:
            "attribute_exists(messageId) AND #sender = :sender AND attribute_not_exists(#erasedAt)",
          ExpressionAttributeNames: {
            // Whom it named goes with the text.
            "#mentions": "mentions",
            "#deleted": "deleted",
            "#deletedAt": "deletedAt",
            "#text": "messageText",
            "#attachments": "attachments",
            "#senderName": "senderName",
            "#erasedAt": "erasedAt",
            "#sender": "senderId",
          },
          ExpressionAttributeValues: {
            ":true": true,
            ":now": this.timestamp(),
            ":empty": "",
            ":none": [],
            ":former": FORMER_MEMBER,
            ":sender": message.senderId,
          },
          ReturnValues: "ALL_OLD",
        }),
      );
      return output.Attributes as Message;
    } catch (error) {
      if (isConditionFailure(error)) return null;
      throw toDomainError(error);
    }
  }

  /**
   * Hides a direct conversation from the member's list (and clears their unread count)
   * until the next message in it. NotFound when they are not a member.
   */
  async hide(userId: string, conversationId: string): Promise<void> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tables.ConversationMembers,
          Key: { userId, conversationId },
          UpdateExpression: "SET #hidden = :now, #unread = :zero",
          ConditionExpression: "attribute_exists(conversationId)",
          ExpressionAttributeNames: { "#hidden": "hiddenAt", "#unread": "unreadCount" },
          ExpressionAttributeValues: { ":now": this.timestamp(), ":zero": 0 },
        }),
      );
    } catch (error) {
      if (isConditionFailure(error)) throw new NotFoundError("Conversation not found");
      throw toDomainError(error);
    }
  }

  /**
   * The unread badge: how many of the member's conversations have unread messages, and how
   * many messages that is. One Query of the member's rows (projected to two attributes);
   * a left group has no row, a hidden conversation has no unread messages.
   */
  async unreadTotals(userId: string): Promise<{ unreadConversations: number; unreadMessages: number }> {
    let unreadConversations = 0;
    let unreadMessages = 0;
    for await (const row of queryAll<{ unreadCount?: number }>(this.doc, {
      TableName: this.tables.ConversationMembers,
      KeyConditionExpression: "#user = :user",
      FilterExpression: "#unread > :zero AND attribute_not_exists(#hidden)",
      ProjectionExpression: "#unread",
      ExpressionAttributeNames: { "#user": "userId", "#unread": "unreadCount", "#hidden": "hiddenAt" },
      ExpressionAttributeValues: { ":user": userId, ":zero": 0 },
    })) {
      unreadConversations++;
      unreadMessages += row.unreadCount ?? 0;
    }
    return { unreadConversations, unreadMessages };
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
        filter: { expression: "attribute_not_exists(#hidden)", names: { "#hidden": "hiddenAt" } },
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
      if (isConditionFailure(domainError)) {
        throw new NotFoundError("Conversation not found");
      }
      throw domainError;
    }
  }
}
