import {
  attachmentSchema,
  type Comment,
  type ConversationMember,
  commentSchema,
  commentVersion,
  conversationMemberSchema,
  conversationTypeSchema,
  DEFAULT_REACTION_KIND,
  emailStatusOf,
  JOB_KINDS,
  JOB_STATUSES,
  type Job,
  type Message,
  mentionNameOf,
  messageSchema,
  type Notification,
  notificationPreferencesSchema,
  notificationSchema,
  type Profile,
  profileSchema,
  REACTION_KINDS,
  type Reaction,
  type ReactionKind,
  reactionCountsOf,
  reactionKindOf,
  reactionSchema,
  UNNAMED_MEMBER,
} from "@hearth/domain";
import * as z from "zod";

/**
 * The JSON shapes the API returns. Each picks its fields explicitly, so nothing stored for
 * internal use (deletion markers, notification bookkeeping) ever leaks into a response.
 * Every view has a zod schema beside it, picked from the entity's: the OpenAPI document is
 * generated from these, and each view function returns `z.infer` of its schema, so the
 * compiler keeps the two in step.
 */

const timestamp = z.iso.datetime({ offset: true });
/** The opaque cursor of the next page, or null on the last page. */
const nextCursor = z.string().nullable().describe("Pass as `cursor` to get the next page; null on the last");

export const profileViewSchema = profileSchema.pick({
  userId: true,
  displayName: true,
  bio: true,
  profilePhotoUrl: true,
  isProfilePrivate: true,
  commentCount: true,
  lastActive: true,
  createdAt: true,
  updatedAt: true,
});

/** What the owner of a profile (and an admin) sees on top of the public fields. */
export const ownProfileViewSchema = profileViewSchema.extend({
  email: z.string().nullable(),
  notificationPreferences: notificationPreferencesSchema,
  emailStatus: z
    .enum(["active", "suppressed"])
    .optional()
    .describe(
      "Only on your own profile: `suppressed` when email to your address bounced for good or was reported as spam, so no email goes to it (in-app notifications continue); a new address is `active` again",
    ),
});

/** The owner's own view: the private fields and whether their address can be emailed. */
export function withEmailStatus<View extends z.infer<typeof ownProfileViewSchema>>(
  view: View,
  profile: Profile,
): View {
  return { ...view, emailStatus: emailStatusOf(profile) };
}

export function profileView(
  profile: Profile,
  includePrivateFields: false,
  profilePhotoUrl: string | null,
): z.infer<typeof profileViewSchema>;
export function profileView(
  profile: Profile,
  includePrivateFields: true,
  profilePhotoUrl: string | null,
): z.infer<typeof ownProfileViewSchema>;
export function profileView(
  profile: Profile,
  includePrivateFields: boolean,
  profilePhotoUrl: string | null,
): z.infer<typeof profileViewSchema> | z.infer<typeof ownProfileViewSchema>;
export function profileView(
  profile: Profile,
  includePrivateFields: boolean,
  /** Served: an uploaded photo as a presigned GET, an external URL as it is. */
  profilePhotoUrl: string | null,
): z.infer<typeof profileViewSchema> | z.infer<typeof ownProfileViewSchema> {
  const view = {
    userId: profile.userId,
    displayName: profile.displayName,
    bio: profile.bio,
    profilePhotoUrl,
    isProfilePrivate: profile.isProfilePrivate,
    commentCount: profile.commentCount,
    lastActive: profile.lastActive,
    createdAt: profile.createdAt,
    updatedAt: profile.updatedAt,
  };
  if (!includePrivateFields) return view;
  return {
    ...view,
    email: profile.email ?? null,
    notificationPreferences: { ...profile.notificationPreferences },
  };
}

/** `GET /profile/{userId}`: the owner and admins get the private fields too. */
export const anyProfileViewSchema = z.union([ownProfileViewSchema, profileViewSchema]);

/** Whom a comment or message mentions, with their current names. */
export const mentionViewSchema = z.object({ userId: z.string(), displayName: z.string() });
const mentionsField = z
  .array(mentionViewSchema)
  .describe("The members it mentions, in the order given, with their current names (empty when none)");

/** The mentioned members' names, from their profiles as read now (a missing one: a former member). */
export type MentionNames = ReadonlyMap<string, Pick<Profile, "displayName">>;

function mentionViews(ids: readonly string[] | undefined, names: MentionNames) {
  return (ids ?? []).map((userId) => ({ userId, displayName: mentionNameOf(names.get(userId)) }));
}
const reactionKindSchema = z.enum(REACTION_KINDS);

export const reactionCountsSchema = z
  .object(
    Object.fromEntries(REACTION_KINDS.map((kind) => [kind, z.number().int().min(0)])) as Record<
      ReactionKind,
      z.ZodNumber
    >,
  )
  .describe("How many members reacted with each kind; they add up to `reactionCount`");

export const commentViewSchema = commentSchema
  .pick({
    itemId: true,
    commentId: true,
    userId: true,
    userName: true,
    userPhotoUrl: true,
    commentText: true,
    itemTitle: true,
    createdAt: true,
    updatedAt: true,
    isEdited: true,
    editHistory: true,
    reactionCount: true,
  })
  .extend({
    /** What `If-Match` on an edit names, so an edit cannot overwrite one the client has not seen. */
    version: z.number().int().min(1),
    reactionCounts: reactionCountsSchema,
    viewerHasReacted: z.boolean().describe("Whether the caller has reacted to this comment (any kind)"),
    viewerReaction: reactionKindSchema.nullable().describe("The caller's reaction's kind, or null"),
    replyTo: z
      .string()
      .nullable()
      .describe("On a reply: the comment it answers (the top comment or a reply)"),
    threadId: z.string().nullable().describe("On a reply: its thread's top comment; null on a top comment"),
    replyCount: z.number().int().min(0).describe("On a top comment: its thread's live replies; 0 on a reply"),
    deleted: z
      .boolean()
      .describe(
        "A deleted top comment whose thread still has replies stays in its item's list, deleted: no text, no history",
      ),
    deletedAt: timestamp.nullable(),
    mentions: mentionsField,
  });

/** A top comment in its item's list, with its thread's first replies. */
export const threadViewSchema = commentViewSchema.extend({
  replies: z
    .array(commentViewSchema)
    .describe("The thread's first live replies (up to 3), oldest first; the replies route pages the rest"),
});

/**
 * `viewerReaction`: the kind of the caller's reaction to this comment, or null;
 * `userPhotoUrl`: the author's photo as served (see `served.ts`). A deleted comment (shown
 * only as the top of a thread that lives on) keeps its place and author but no text.
 */
export function commentView(
  comment: Comment,
  viewerReaction: ReactionKind | null,
  userPhotoUrl: string | null,
  mentionNames: MentionNames,
): z.infer<typeof commentViewSchema> {
  const deleted = comment.deletedAt !== undefined;
  return {
    itemId: comment.itemId,
    commentId: comment.commentId,
    userId: comment.userId,
    userName: comment.userName,
    userPhotoUrl,
    commentText: deleted ? "" : comment.commentText,
    itemTitle: comment.itemTitle ?? null,
    createdAt: comment.createdAt,
    updatedAt: comment.updatedAt,
    isEdited: comment.isEdited,
    editHistory: deleted
      ? []
      : (comment.editHistory ?? []).map((entry) => ({ text: entry.text, editedAt: entry.editedAt })),
    reactionCount: comment.reactionCount ?? 0,
    reactionCounts: reactionCountsOf(comment),
    version: commentVersion(comment),
    viewerHasReacted: viewerReaction !== null,
    viewerReaction,
    replyTo: comment.replyTo ?? null,
    threadId: comment.threadId ?? null,
    replyCount: Math.max(0, comment.replyCount ?? 0),
    deleted,
    deletedAt: comment.deletedAt ?? null,
    mentions: mentionViews(comment.mentions, mentionNames),
  };
}

export const commentPageSchema = z.object({ comments: z.array(commentViewSchema), nextCursor });

export const threadPageSchema = z.object({ comments: z.array(threadViewSchema), nextCursor });

export const commentDeletionSchema = z.object({
  itemId: z.string(),
  commentId: z.string(),
  deleted: z.literal(true),
  deletedAt: timestamp.optional(),
});

/** A member as other members see them anywhere: name and photo. */
const memberFields = {
  displayName: z.string(),
  profilePhotoUrl: z.string().nullable(),
};

export const reactionViewSchema = reactionSchema
  .pick({ userId: true, createdAt: true })
  .extend({ ...memberFields, kind: reactionKindSchema });

/** Someone who reacted, with their current name and photo (a reactor without a profile shows a generic name). */
export function reactionView(
  reaction: Reaction,
  reactor: Profile | undefined,
  profilePhotoUrl: string | null,
): z.infer<typeof reactionViewSchema> {
  return {
    userId: reaction.userId,
    displayName: reactor?.displayName || UNNAMED_MEMBER,
    profilePhotoUrl,
    createdAt: reaction.createdAt,
    kind: reactionKindOf(reaction),
  };
}

export const memberViewSchema = z.object({ userId: z.string(), ...memberFields });

/**
 * A directory entry: name and photo only, so a private profile shows no more than a
 * comment by its owner would.
 */
export function memberView(
  profile: Pick<Profile, "userId" | "displayName" | "profilePhotoUrl">,
  profilePhotoUrl: string | null,
): z.infer<typeof memberViewSchema> {
  return {
    userId: profile.userId,
    displayName: profile.displayName || UNNAMED_MEMBER,
    profilePhotoUrl,
  };
}

export const memberPageSchema = z.object({ members: z.array(memberViewSchema), nextCursor });

export const reactionPageSchema = z.object({ reactions: z.array(reactionViewSchema), nextCursor });

export const reactionToggleSchema = z.object({
  liked: z.boolean().describe("Whether the caller has a reaction on the comment now (of any kind)"),
  viewerReaction: reactionKindSchema.nullable().describe("The caller's reaction's kind now, or null"),
  reactionCount: z.number().int(),
  reactionCounts: reactionCountsSchema,
});

export const attachmentViewSchema = attachmentSchema.extend({
  downloadUrl: z
    .string()
    .nullable()
    .describe("A presigned GET, valid 15 minutes: the browser saves the file under its filename"),
  downloadUrlExpiresAt: timestamp.nullable(),
});

export const messageViewSchema = messageSchema
  .pick({
    conversationId: true,
    messageId: true,
    senderId: true,
    senderName: true,
    createdAt: true,
  })
  .extend({
    messageText: z.string().nullable().describe("null once its sender deleted it"),
    attachments: z.array(attachmentViewSchema),
    deleted: z.boolean(),
    deletedAt: timestamp.nullable(),
    mentions: mentionsField,
  });

/** What a participant needs to open an attachment: a presigned GET and when it expires. */
export interface AttachmentDownloadView {
  downloadUrl: string;
  downloadUrlExpiresAt: string;
}

/**
 * A message; `downloads[i]` opens `attachments[i]`. A deleted message keeps its place and
 * sender but shows no text and no attachments.
 */
export function messageView(
  message: Message,
  downloads: readonly AttachmentDownloadView[],
  mentionNames: MentionNames,
): z.infer<typeof messageViewSchema> {
  const deleted = message.deleted === true;
  return {
    conversationId: message.conversationId,
    messageId: message.messageId,
    senderId: message.senderId,
    senderName: message.senderName,
    messageText: deleted ? null : message.messageText,
    attachments: deleted
      ? []
      : message.attachments.map((attachment, index) => ({
          s3Key: attachment.s3Key,
          filename: attachment.filename,
          contentType: attachment.contentType,
          size: attachment.size,
          downloadUrl: downloads[index]?.downloadUrl ?? null,
          downloadUrlExpiresAt: downloads[index]?.downloadUrlExpiresAt ?? null,
        })),
    createdAt: message.createdAt,
    deleted,
    deletedAt: message.deletedAt ?? null,
    // A deleted message names nobody any more.
    mentions: deleted ? [] : mentionViews(message.mentions, mentionNames),
  };
}

export const messagePageSchema = z.object({ messages: z.array(messageViewSchema), nextCursor });

export const conversationViewSchema = conversationMemberSchema
  .pick({
    conversationId: true,
    conversationType: true,
    participantIds: true,
    title: true,
    unreadCount: true,
    lastMessageAt: true,
    lastMessagePreview: true,
    lastMessageSenderId: true,
    createdAt: true,
  })
  .extend({
    participants: z
      .array(memberViewSchema)
      .describe("Everyone in it, with names and photos, in participantIds' order"),
  });

/** A conversation participant as lists show them: name and (served) photo. */
export type ParticipantView = z.infer<typeof memberViewSchema>;

export function conversationView(
  membership: ConversationMember,
  participants: readonly ParticipantView[],
): z.infer<typeof conversationViewSchema> {
  return {
    conversationId: membership.conversationId,
    conversationType: membership.conversationType,
    participantIds: membership.participantIds,
    participants: participants.map((p) => ({
      userId: p.userId,
      displayName: p.displayName,
      profilePhotoUrl: p.profilePhotoUrl,
    })),
    title: membership.title ?? null,
    unreadCount: membership.unreadCount,
    lastMessageAt: membership.lastMessageAt,
    lastMessagePreview: membership.lastMessagePreview,
    lastMessageSenderId: membership.lastMessageSenderId ?? null,
    createdAt: membership.createdAt,
  };
}

export const conversationPageSchema = z.object({
  conversations: z.array(conversationViewSchema),
  nextCursor,
});

export const startedConversationSchema = z.object({
  conversationId: z.string(),
  conversationType: conversationTypeSchema,
  participantIds: z.array(z.string()),
  participants: z.array(memberViewSchema),
  title: z.string().nullable(),
  message: messageViewSchema,
});

export const readReceiptSchema = z.object({
  conversationId: z.string(),
  unreadCount: z.number().int().min(0),
});

export const presignedUploadSchema = z.object({
  uploadUrl: z
    .string()
    .describe("PUT the file here with exactly the declared Content-Type and Content-Length"),
  uploadHeaders: z
    .record(z.string(), z.string())
    .describe(
      "Headers the PUT must send exactly as given (they are signed): Content-Type and x-amz-tagging, which marks the upload pending until a message references it",
    ),
  s3Key: z.string().describe("Pass as an attachment's s3Key when sending the message"),
  expiresIn: z.number().int().describe("Seconds the upload URL stays valid"),
});

export const photoUploadSchema = z.object({
  uploadUrl: z
    .string()
    .describe("PUT the photo here with exactly the declared Content-Type and Content-Length"),
  uploadHeaders: z
    .record(z.string(), z.string())
    .describe(
      "Headers the PUT must send exactly as given (they are signed): Content-Type and x-amz-tagging, which marks the upload pending (it expires) until PUT /profile makes it the profile photo",
    ),
  photoKey: z.string().describe("Pass as profilePhotoKey to PUT /profile once uploaded"),
  expiresIn: z.number().int().describe("Seconds the upload URL stays valid"),
});

export const unreadTotalsSchema = z.object({
  unreadConversations: z.number().int().min(0).describe("Conversations with at least one unread message"),
  unreadMessages: z.number().int().min(0),
});

export const leftConversationSchema = z.object({
  conversationId: z.string(),
  conversationType: conversationTypeSchema,
  outcome: z
    .enum(["left", "hidden"])
    .describe("A group is left for good; a direct conversation is hidden until a new message arrives"),
});

/** How an admin sees a person who signed up: `pending` (waiting to be let in), `approved`, or `revoked` (let out). */
export const ADMIN_MEMBER_STATUSES = ["pending", "approved", "revoked"] as const;
export type AdminMemberStatus = (typeof ADMIN_MEMBER_STATUSES)[number];

export const adminMemberViewSchema = z.object({
  userId: z.string(),
  displayName: z.string(),
  email: z.string().nullable(),
  createdAt: timestamp,
  status: z.enum(ADMIN_MEMBER_STATUSES),
  /** Set once an admin approved them through the API (members let in otherwise have none). */
  approvedAt: timestamp.nullable(),
  approvedBy: z.string().nullable(),
  /** Set while an admin's revocation stands. */
  revokedAt: timestamp.nullable(),
  revokedBy: z.string().nullable(),
});

/** A person as the admins' member management shows them; a profile without a membership mark is pending. */
export function adminMemberView(profile: Profile): z.infer<typeof adminMemberViewSchema> {
  return {
    userId: profile.userId,
    displayName: profile.displayName || UNNAMED_MEMBER,
    email: profile.email ?? null,
    createdAt: profile.createdAt,
    status:
      profile.membership === "member" ? "approved" : profile.membership === "revoked" ? "revoked" : "pending",
    approvedAt: profile.approvedAt ?? null,
    approvedBy: profile.approvedBy ?? null,
    revokedAt: profile.membership === "revoked" ? (profile.revokedAt ?? null) : null,
    revokedBy: profile.membership === "revoked" ? (profile.revokedBy ?? null) : null,
  };
}

/** `POST /admin/members/{userId}/revoke`: the person whose membership ended. */
export const membershipRevokedSchema = z.object({ userId: z.string(), membership: z.literal("revoked") });

export const adminMemberPageSchema = z.object({ members: z.array(adminMemberViewSchema), nextCursor });
/** `POST /me/exports` and `POST /me/deletion`: the job that was started, or the one already running. */
export const jobAcceptedSchema = z.object({
  jobId: z.string(),
  status: z.enum(JOB_STATUSES),
});

export const jobViewSchema = z.object({
  jobId: z.string(),
  kind: z.enum(JOB_KINDS),
  status: z.enum(JOB_STATUSES),
  createdAt: timestamp,
  updatedAt: timestamp,
  progress: z.record(z.string(), z.number().int().min(0)).describe("Counts per kind of data handled so far"),
  error: z.object({ code: z.string(), message: z.string() }).nullable().describe("FAILED only"),
  result: z
    .record(z.string(), z.unknown())
    .nullable()
    .describe(
      "COMPLETED only. An export's has `downloadUrl` (a presigned GET, valid 24 hours from this response), `downloadUrlExpiresAt` and `expiresAt` (when the export is removed)",
    ),
  expiresAt: timestamp.nullable().describe("When the finished job record is removed; null while it runs"),
});

/**
 * A job as its member (or the admin who started it) sees it. The stored result is passed
 * through the kind's `shapeResult` first (an export's key becomes a signed download link),
 * and the runner's checkpoint never leaves the table.
 */
export function jobView(job: Job, result: Record<string, unknown> | null): z.infer<typeof jobViewSchema> {
  return {
    jobId: job.jobId,
    kind: job.kind,
    status: job.status,
    createdAt: job.createdAt,
    updatedAt: job.updatedAt,
    progress: job.progress,
    error: job.status === "FAILED" && job.error ? { code: job.error.code, message: job.error.message } : null,
    result: job.status === "COMPLETED" ? result : null,
    expiresAt: job.expiresAt !== undefined ? new Date(job.expiresAt * 1000).toISOString() : null,
  };
}

export function jobAcceptedView(job: Job): z.infer<typeof jobAcceptedSchema> {
  return { jobId: job.jobId, status: job.status };
}

/** One entry of the caller's notification feed (the table's bookkeeping left out). */
export const notificationViewSchema = notificationSchema
  .pick({
    notificationId: true,
    kind: true,
    actor: true,
    itemId: true,
    itemTitle: true,
    commentId: true,
    conversationId: true,
    preview: true,
    createdAt: true,
    read: true,
  })
  .extend({
    reactionKind: reactionKindSchema
      .nullable()
      .describe(
        "On a reaction: the kind the actor reacted with (`like` on entries from before kinds); null otherwise",
      ),
  });

export function notificationView(notification: Notification): z.infer<typeof notificationViewSchema> {
  return {
    notificationId: notification.notificationId,
    kind: notification.kind,
    actor: { userId: notification.actor.userId, displayName: notification.actor.displayName },
    itemId: notification.itemId,
    itemTitle: notification.itemTitle,
    commentId: notification.commentId,
    conversationId: notification.conversationId,
    preview: notification.preview,
    reactionKind:
      notification.kind === "reaction" ? (notification.reactionKind ?? DEFAULT_REACTION_KIND) : null,
    createdAt: notification.createdAt,
    read: notification.read,
  };
}

const unreadCount = z.number().int().min(0).describe("The caller's unread notifications, exact");

export const notificationPageSchema = z.object({
  notifications: z.array(notificationViewSchema),
  nextCursor,
  unreadCount,
});

export const notificationsReadSchema = z.object({ unreadCount });

/** What `POST /unsubscribe` turned off: the notification preference, now false. */
export const unsubscribedSchema = z.object({
  unsubscribed: notificationPreferencesSchema.keyof(),
});

/** The page `GET /unsubscribe` shows (HTML, with a button that POSTs to the same link). */
export const unsubscribePageSchema = z.string().describe("An HTML page");
