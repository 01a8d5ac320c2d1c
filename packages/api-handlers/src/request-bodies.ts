import { LIMITS, notificationIdSchema, profileUpdateSchema, REACTION_KINDS } from "@hearth/domain";
import * as z from "zod";

// The request bodies of the API, one schema per route that takes a body. The areas parse
// with them and the contracts (hence the OpenAPI document) describe them, so they live
// apart from both: neither has to import the other.

// Comments

// Raw text may carry markup that sanitizing removes; the limits apply to the plain text.
const rawCommentText = z.string().max(LIMITS.commentText * 8);

/** Whom a comment or message mentions, by user id; an id given twice counts once. */
const mentionIds = z
  .array(z.string().min(1).max(128))
  .max(LIMITS.mentions)
  .describe(
    "The members the text names, by user id (at most 10; each a current member who may read it, else 400 naming the position)",
  );

export const newCommentBody = z.strictObject({
  commentText: rawCommentText,
  itemTitle: z
    .string()
    .max(LIMITS.itemTitle * 4)
    .nullable()
    .optional(),
  mentions: mentionIds.optional(),
  /** Makes the comment a reply to this comment of the same item (see rules/comments.ts). */
  replyTo: z.string().min(1).max(128).optional(),
});

export const editCommentBody = z.strictObject({
  commentText: rawCommentText,
  /** Replaces the list; absent keeps it. Someone added is told, nobody else. */
  mentions: mentionIds.optional(),
});

// Reactions

/**
 * `POST /reactions/{commentId}`: the kind to react with. The body is optional: none (as
 * clients sent before kinds existed) is a like.
 */
export const reactionBody = z.strictObject({ kind: z.enum(REACTION_KINDS).optional() });

// Feed

/** Either the newest notification to mark read (it and every older one), or all of them. */
export const markReadBody = z.union([
  z.strictObject({ upTo: notificationIdSchema }),
  z.strictObject({ all: z.literal(true) }),
]);

// Jobs

const DELETION_CONFIRMATION = "DELETE MY ACCOUNT";

/** `POST /me/deletion`: the member types the confirmation; anything else changes nothing. */
export const deletionRequestBody = z.strictObject({
  confirm: z.literal(DELETION_CONFIRMATION, {
    error: `confirm must be exactly "${DELETION_CONFIRMATION}"`,
  }),
});

// Messages

/** Longest group conversation title, in characters of plain text. */
export const MAX_CONVERSATION_TITLE = 100;

// Raw text may carry markup that sanitizing removes; the limits apply to the plain text.
const rawMessageText = z.string().max(LIMITS.messageText * 8);

export const newConversationBody = z.strictObject({
  participantIds: z.array(z.string().min(1).max(128)).min(1).max(LIMITS.groupParticipants),
  messageText: rawMessageText,
  title: z
    .string()
    .max(MAX_CONVERSATION_TITLE * 4)
    .nullable()
    .optional(),
  mentions: mentionIds.optional(),
});

export const attachmentBody = z.strictObject({
  s3Key: z.string().min(1).max(1024),
  filename: z.string().min(1).max(1024),
  contentType: z.string().min(1).max(255),
  size: z.number().int().positive(),
});

export const newMessageBody = z.strictObject({
  messageText: rawMessageText.optional(),
  attachments: z.array(attachmentBody).max(LIMITS.attachmentsPerMessage).optional(),
  mentions: mentionIds.optional(),
});

export const uploadBody = z.strictObject({
  filename: z.string().min(1).max(1024),
  contentType: z.string().min(1).max(255),
  size: z.number().int().positive(),
});

// Profile

/**
 * The fields of `PUT /profile`; unknown ones are refused. Names and bios are reduced to
 * plain text (and then length-checked) like every other piece of user text.
 */
export const profileUpdateBody = profileUpdateSchema
  .extend({
    // Room for markup that sanitizing removes; the limits apply to the plain text.
    displayName: z
      .string()
      .max(LIMITS.displayName * 4)
      .optional(),
    bio: z
      .string()
      .max(LIMITS.bio * 4)
      .optional(),
    /** A photo uploaded through POST /profile/photo, instead of an external profilePhotoUrl. */
    profilePhotoKey: z.string().min(1).max(1024).optional(),
  })
  .refine((body) => Object.keys(body).length > 0, { message: "Give at least one field to change" })
  .refine((body) => body.profilePhotoKey === undefined || body.profilePhotoUrl === undefined, {
    message: "Give profilePhotoKey or profilePhotoUrl, not both",
  });

export const photoUploadBody = z.strictObject({
  contentType: z.string().min(1).max(255),
  size: z.number().int().positive(),
});
