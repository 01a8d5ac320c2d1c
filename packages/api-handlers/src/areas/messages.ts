import {
  type Attachment,
  assertMessageMentions,
  type ConversationType,
  directConversationId,
  distinctMentions,
  firstFailureOf,
  isCurrentMember,
  LIMITS,
  NotFoundError,
  normalizeParticipants,
  type Profile,
  sanitizeText,
} from "@hearth/domain";
import type { ConversationsRepository } from "@hearth/domain/repositories/conversations";
import type { ProfilesRepository } from "@hearth/domain/repositories/profiles";
import { servedConversations, servedMessages, servedParticipants } from "@hearth/views/served";
import type { StorageDependencies } from "@hearth/views/storage-dependencies";
import { messageView } from "@hearth/views/views";
import type * as z from "zod";
import { type AreaRoutes, created, ok } from "../area-routes.js";
import { badRequest, forbidden, type HttpError, payloadTooLarge } from "../http/errors.js";
import {
  type attachmentBody,
  MAX_CONVERSATION_TITLE,
  newConversationBody,
  newMessageBody,
  uploadBody,
} from "../request-bodies.js";
import {
  ALLOWED_ATTACHMENT_TYPES,
  isAllowedAttachmentType,
  isOwnUploadKey,
  MAX_ATTACHMENT_BYTES,
  presignUpload,
} from "../uploads.js";
import { authorName } from "./authors.js";

function checkAttachmentTypeAndSize(contentType: string, size: number): string {
  const type = contentType.trim().toLowerCase();
  if (!isAllowedAttachmentType(type)) {
    throw badRequest(`contentType must be one of ${ALLOWED_ATTACHMENT_TYPES.join(", ")}`);
  }
  if (size > MAX_ATTACHMENT_BYTES) {
    throw payloadTooLarge(`Attachments may be at most ${MAX_ATTACHMENT_BYTES / (1024 * 1024)} MB`);
  }
  return type;
}

/** Attachments as stored: only the sender's own uploads, of allowed types and sizes. */
function checkedAttachments(senderId: string, attachments: z.infer<typeof attachmentBody>[]): Attachment[] {
  return attachments.map((attachment) => {
    if (!isOwnUploadKey(senderId, attachment.s3Key)) {
      throw badRequest("Attachments must be files you uploaded through /messages/upload");
    }
    return {
      s3Key: attachment.s3Key,
      filename: sanitizeText(attachment.filename, "filename", { min: 1, max: 255 }),
      contentType: checkAttachmentTypeAndSize(attachment.contentType, attachment.size),
      size: attachment.size,
    };
  });
}

/**
 * Someone without a membership row gets 403 whether or not the conversation exists:
 * direct conversation ids derive from the two user ids, so a 404 would let any member
 * probe who has messaged whom.
 */
const outsiderError = (): HttpError =>
  forbidden("Only the participants of a conversation may see or change it");

/** Runs `action`; a NotFound because the caller is not a member becomes the outsider error. */
async function asParticipant<T>(action: () => Promise<T>): Promise<T> {
  try {
    return await action();
  } catch (error) {
    if (error instanceof NotFoundError) throw outsiderError();
    throw error;
  }
}

/**
 * What the message routes use: conversations and their messages, the participants' profiles,
 * the signer of attachments and photos, ids for uploads and group conversations, and the clock
 * attachment links are signed by.
 */
export interface MessagesDependencies extends StorageDependencies {
  repositories: { conversations: ConversationsRepository; profiles: ProfilesRepository };
  /** Time-sortable ids (ULIDs) for upload keys and group conversations. */
  newId: () => string;
  now: () => Date;
}

export const messageRoutes: AreaRoutes<"messages", MessagesDependencies> = {
  "GET /messages/conversations": async (request, storage) => {
    const { repositories } = storage;
    const result = await repositories.conversations.listConversations(request.caller.userId, request.page());
    return ok({
      conversations: await servedConversations(storage, repositories.profiles, result.items),
      nextCursor: result.nextCursor,
    });
  },

  "POST /messages/conversations": async (request, storage) => {
    const { repositories, newId } = storage;
    const { caller } = request;
    const body = request.body(newConversationBody);
    const participants = normalizeParticipants(caller.userId, body.participantIds);
    const messageText = sanitizeText(body.messageText, "messageText", { min: 1, max: LIMITS.messageText });
    const conversationType: ConversationType = participants.length === 2 ? "direct" : "group";
    const [first, second] = participants as [string, string];
    // A direct conversation's id is known in advance: whether the caller is already in it is
    // read alongside the participants' profiles, so sending to it again costs no extra trip.
    const [profiles, directMembership] = await firstFailureOf([
      repositories.profiles.getMany(participants),
      conversationType === "direct"
        ? repositories.conversations.getMembership(caller.userId, directConversationId(first, second))
        : Promise.resolve(undefined),
    ] as const);
    // Each participant must be a member now (their profile's mark, which follows the groups):
    // someone who only signed in and waits for approval, or was let out, is no one to write to.
    // Named by position in the request: an id that is not a member's is the client's text, never echoed.
    const unknownPositions = body.participantIds.flatMap((id, index) =>
      id !== caller.userId && !isCurrentMember(profiles.get(id)) ? [`participantIds[${index}]`] : [],
    );
    if (unknownPositions.length > 0) {
      const [first, ...more] = unknownPositions.slice(0, 5);
      throw badRequest(
        more.length === 0
          ? `${first} is not a member of the family archive`
          : `${[first, ...more].join(", ")} are not members of the family archive`,
      );
    }
    // Whom the first message mentions: participants, whose profiles were just read.
    const mentions = distinctMentions(body.mentions ?? []);
    assertMessageMentions(mentions, participants, profiles);
    const conversation =
      conversationType === "direct"
        ? {
            // Starting the same direct conversation again appends to the one that exists.
            conversationId: directConversationId(first, second),
            participantIds: [...participants].sort(),
            title: null,
          }
        : {
            conversationId: `grp_${newId()}`,
            participantIds: participants,
            // 1–100 characters of plain text; a title of nothing but markup is no title.
            title: body.title
              ? sanitizeText(body.title, "title", { min: 0, max: MAX_CONVERSATION_TITLE }) || null
              : null,
          };
    // The conversation and its first message are written together, or not at all.
    const { message } = await repositories.conversations.start(
      { ...conversation, conversationType },
      {
        senderId: caller.userId,
        senderName: authorName(caller, profiles.get(caller.userId)),
        messageText,
        attachments: [],
        ...(mentions.length ? { mentions } : {}),
      },
      directMembership,
    );
    // The profiles read to check the participants name them too: no extra call.
    const participantViews = await servedParticipants(storage, conversation.participantIds, profiles);
    const [firstMessage] = await servedMessages(storage, storage.now(), [message], {
      profiles: repositories.profiles,
      known: profiles,
    });
    return created({
      conversationId: conversation.conversationId,
      conversationType,
      participantIds: conversation.participantIds,
      participants: conversation.participantIds.map((userId) => participantViews.get(userId)!),
      title: conversation.title,
      message: firstMessage!,
    });
  },

  "GET /messages/conversations/{conversationId}": async (request, storage) => {
    const { repositories } = storage;
    const conversationId = request.path("conversationId");
    const page = request.page();
    // The membership check and the page are read together (the mentioned names come second);
    // nothing of the page is shown unless the check passes, not even whether reading it failed.
    const [membershipRead, pageRead] = await Promise.allSettled([
      repositories.conversations.getMembership(request.caller.userId, conversationId),
      repositories.conversations.listMessages(conversationId, page),
    ]);
    if (membershipRead.status === "rejected") throw membershipRead.reason;
    if (!membershipRead.value) throw outsiderError();
    if (pageRead.status === "rejected") throw pageRead.reason;
    const result = pageRead.value;
    return ok({
      messages: await servedMessages(storage, storage.now(), result.items, {
        profiles: repositories.profiles,
      }),
      nextCursor: result.nextCursor,
    });
  },

  "POST /messages/conversations/{conversationId}": async (request, storage) => {
    const { repositories } = storage;
    const { caller } = request;
    const conversationId = request.path("conversationId");
    const body = request.body(newMessageBody);
    const messageText =
      body.messageText === undefined
        ? ""
        : sanitizeText(body.messageText, "messageText", { min: 0, max: LIMITS.messageText });
    const attachments = checkedAttachments(caller.userId, body.attachments ?? []);
    if (!messageText && attachments.length === 0) {
      throw badRequest("A message needs text or at least one attachment");
    }
    const mentions = distinctMentions(body.mentions ?? []);
    // The sender's name, membership and whom they mention are independent reads: one round trip.
    const [profile, membership, mentioned] = await firstFailureOf([
      repositories.profiles.get(caller.userId),
      repositories.conversations.getMembership(caller.userId, conversationId),
      mentions.length ? repositories.profiles.getMany(mentions) : Promise.resolve(new Map<string, Profile>()),
    ] as const);
    // An outsider learns nothing about the conversation's participants from a mention's answer.
    if (!membership) throw outsiderError();
    assertMessageMentions(mentions, membership.participantIds, mentioned);
    const message = await asParticipant(() =>
      repositories.conversations.sendMessage(
        {
          conversationId,
          senderId: caller.userId,
          senderName: authorName(caller, profile),
          messageText,
          attachments,
          ...(mentions.length ? { mentions } : {}),
        },
        membership,
      ),
    );
    const [view] = await servedMessages(storage, storage.now(), [message], {
      profiles: repositories.profiles,
      known: mentioned,
    });
    return created(view!);
  },

  "PUT /messages/conversations/{conversationId}/read": async (request, { repositories }) => {
    const conversationId = request.path("conversationId");
    const membership = await asParticipant(() =>
      repositories.conversations.markRead(request.caller.userId, conversationId),
    );
    return ok({ conversationId: membership.conversationId, unreadCount: membership.unreadCount });
  },

  "POST /messages/upload": async (request, { objectUrls, newId }) => {
    const body = request.body(uploadBody);
    const contentType = checkAttachmentTypeAndSize(body.contentType, body.size);
    const upload = await presignUpload(objectUrls, newId(), {
      userId: request.caller.userId,
      filename: body.filename,
      contentType,
      size: body.size,
    });
    return ok(upload);
  },

  // The unread badge and managing one's messages and conversations.
  "GET /messages/unread": async (request, { repositories }) => {
    return ok(await repositories.conversations.unreadTotals(request.caller.userId));
  },

  "DELETE /messages/conversations/{conversationId}/{messageId}": async (request, { repositories }) => {
    const { caller } = request;
    const conversationId = request.path("conversationId");
    const messageId = request.path("messageId");
    // The message is read alongside the membership; an outsider learns nothing of it, not
    // even that reading it failed.
    const [membershipRead, storedRead] = await Promise.allSettled([
      repositories.conversations.getMembership(caller.userId, conversationId),
      repositories.conversations.getMessage(conversationId, messageId),
    ]);
    if (membershipRead.status === "rejected") throw membershipRead.reason;
    const membership = membershipRead.value;
    if (!membership) throw outsiderError();
    if (storedRead.status === "rejected") throw storedRead.reason;
    const stored = storedRead.value;
    // A missing message is a 404 and someone else's a 403: the caller is a participant here.
    const message = await repositories.conversations.deleteMessage(
      caller.userId,
      conversationId,
      messageId,
      membership.participantIds,
      stored,
    );
    return ok(messageView(message, [], new Map()));
  },

  "POST /messages/conversations/{conversationId}/leave": async (request, { repositories }) => {
    const { caller } = request;
    const conversationId = request.path("conversationId");
    const membership = await repositories.conversations.getMembership(caller.userId, conversationId);
    if (!membership) throw outsiderError();
    if (membership.conversationType === "group") {
      await asParticipant(() =>
        repositories.conversations.leaveGroup(caller.userId, conversationId, membership),
      );
      return ok({ conversationId, conversationType: "group", outcome: "left" });
    }
    await asParticipant(() => repositories.conversations.hide(caller.userId, conversationId));
    return ok({ conversationId, conversationType: "direct", outcome: "hidden" });
  },
};
