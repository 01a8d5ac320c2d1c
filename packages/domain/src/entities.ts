import * as z from "zod";

/** Limits shared by validation and the handlers' error messages. */
export const LIMITS = {
  displayName: 100,
  bio: 500,
  commentText: 2000,
  itemTitle: 300,
  messageText: 5000,
  messagePreview: 100,
  editHistory: 5,
  groupParticipants: 50,
  attachmentsPerMessage: 10,
  mentions: 10,
  attachmentBytes: 25 * 1024 * 1024,
} as const;

const isoDate = z.iso.datetime({ offset: true });

export const notificationPreferencesSchema = z.object({
  comments: z.boolean(),
  reactions: z.boolean(),
  messages: z.boolean(),
  /** Replies to the member's comments and in threads they started. */
  replies: z.boolean(),
  /** Comments and messages that mention the member. */
  mentions: z.boolean(),
});
export type NotificationPreferences = z.infer<typeof notificationPreferencesSchema>;
export const DEFAULT_NOTIFICATION_PREFERENCES: NotificationPreferences = {
  comments: true,
  reactions: true,
  messages: true,
  replies: true,
  mentions: true,
};

export const profileSchema = z.object({
  userId: z.string().min(1),
  email: z.string().optional(),
  displayName: z.string().max(LIMITS.displayName),
  bio: z.string().max(LIMITS.bio),
  profilePhotoUrl: z.string().nullable(),
  isProfilePrivate: z.boolean(),
  notificationPreferences: notificationPreferencesSchema,
  /**
   * `member` while the person is in ApprovedUsers or Admins (the directory lists only these),
   * `pending` while they have signed in but wait for an admin's approval, `revoked` once an
   * admin ended their membership (until an admin approves them again).
   */
  membership: z.enum(["member", "pending", "revoked"]).optional(),
  cognitoUsername: z.string().optional(),
  /** Who approved the person (an admin's user id) and when; absent for members approved in the console. */
  approvedBy: z.string().optional(),
  approvedAt: isoDate.optional(),
  /** Who revoked the person's membership (an admin's user id) and when, while it is revoked. */
  revokedBy: z.string().optional(),
  revokedAt: isoDate.optional(),
  /**
   * Set when SES reported `suppressedEmail` as permanently bouncing or as a complaint: that
   * address gets no email (see rules/email.ts); a different current email is not affected.
   */
  suppressedEmail: z.string().optional(),
  suppressedAt: isoDate.optional(),
  suppressionReason: z.enum(["bounce", "complaint"]).optional(),
  commentCount: z.number().int(),
  lastActive: isoDate.nullable(),
  createdAt: isoDate,
  updatedAt: isoDate,
});
export type Profile = z.infer<typeof profileSchema>;

/**
 * A profile photo: an https URL on a public host name, stored in its normalized form so
 * quotes, angle brackets and spaces arrive percent-encoded (an apostrophe too, which URL
 * normalization leaves alone in paths) and never break out of an `src` attribute.
 */
export const photoUrlSchema = z
  .url({ protocol: /^https$/, hostname: z.regexes.domain, normalize: true })
  // Zod runs refinements after a failed check too: an unparseable value is already an issue.
  .refine((url) => {
    const parsed = URL.canParse(url) ? new URL(url) : undefined;
    return !parsed?.username && !parsed?.password;
  }, "must not carry a user name or password")
  .transform((url) => url.replaceAll("'", "%27"))
  .pipe(z.string().max(2048));

/** The fields a user may set on their own profile. */
export const profileUpdateSchema = z
  .object({
    displayName: z.string().trim().min(1).max(LIMITS.displayName),
    bio: z.string().max(LIMITS.bio),
    profilePhotoUrl: photoUrlSchema.nullable(),
    isProfilePrivate: z.boolean(),
    /** Only the kinds given change; the others keep their setting. */
    notificationPreferences: notificationPreferencesSchema.partial().strict(),
  })
  .partial()
  .strict();
export type ProfileUpdate = z.infer<typeof profileUpdateSchema>;

export const editHistoryEntrySchema = z.object({ text: z.string(), editedAt: isoDate });
export type EditHistoryEntry = z.infer<typeof editHistoryEntrySchema>;

export const commentSchema = z.object({
  itemId: z.string().min(1),
  commentId: z.string().min(1),
  userId: z.string().min(1),
  userName: z.string(),
  userPhotoUrl: z.string().nullable(),
  commentText: z.string(),
  itemTitle: z.string().nullable(),
  createdAt: isoDate,
  updatedAt: isoDate,
  isEdited: z.boolean(),
  editHistory: z.array(editHistoryEntrySchema),
  reactionCount: z.number().int(),
  /**
   * How many reactions of each kind but `like` the comment has (absent means none): likes are
   * `reactionCount` minus these, so a comment from before kinds existed shows its total as likes.
   */
  reactionCount_love: z.number().int().optional(),
  reactionCount_laugh: z.number().int().optional(),
  reactionCount_wow: z.number().int().optional(),
  reactionCount_sad: z.number().int().optional(),
  /**
   * Set on a reply: the comment it answers (a top comment or another reply of the same thread).
   * Threads are two levels deep, so `threadId` is always the thread's top comment.
   */
  replyTo: z.string().optional(),
  threadId: z.string().optional(),
  /**
   * On a reply, copied when it is written: the authors of the comment it answers and of its
   * thread's top comment, so the notifications processor needs no lookup to tell them.
   */
  replyToUserId: z.string().optional(),
  threadUserId: z.string().optional(),
  /** On a top comment: how many replies its thread has (absent means none yet). */
  replyCount: z.number().int().min(0).optional(),
  /** Members the text names, by user id (the text holds their names as plain text). */
  mentions: z.array(z.string()).max(LIMITS.mentions).optional(),
  /**
   * When an edit last added someone to `mentions`: the stream record of that edit tells the
   * newly mentioned (and only them); other changes leave it as it was.
   */
  mentionsAddedAt: isoDate.optional(),
  /** 1 when written, one more with every edit; absent on comments written before versions existed. */
  version: z.number().int().min(1).optional(),
  deletedAt: isoDate.optional(),
  deletedBy: z.string().optional(),
  /** Set when its author's account was deleted: text, edit history, name and photo are gone. */
  erasedAt: isoDate.optional(),
});
export type Comment = z.infer<typeof commentSchema>;

/** The reactions a member may leave on a comment; `like` is the default and what old items are. */
export const REACTION_KINDS = ["like", "love", "laugh", "wow", "sad"] as const;
export type ReactionKind = (typeof REACTION_KINDS)[number];

export const reactionSchema = z.object({
  commentId: z.string().min(1),
  userId: z.string().min(1),
  /** Absent on reactions written before kinds existed: those are likes. */
  kind: z.enum(REACTION_KINDS).optional(),
  /**
   * On a reaction to a reply: `<userId>#<threadId>`, the key of the reactor's reactions in that
   * thread (ThreadReactionsIndex), so a page of threads finds the viewer's reactions to its
   * first replies beside the replies themselves.
   */
  userThread: z.string().optional(),
  /** Copied from the comment so the notification processor needs no lookup. */
  itemId: z.string(),
  commentAuthorId: z.string(),
  createdAt: isoDate,
});
export type Reaction = z.infer<typeof reactionSchema>;

export const attachmentSchema = z.object({
  s3Key: z.string().min(1).max(1024),
  filename: z.string().min(1).max(255),
  contentType: z.string().min(1).max(255),
  size: z.number().int().min(1).max(LIMITS.attachmentBytes),
});
export type Attachment = z.infer<typeof attachmentSchema>;

export const messageSchema = z.object({
  conversationId: z.string().min(1),
  messageId: z.string().min(1),
  senderId: z.string().min(1),
  senderName: z.string(),
  messageText: z.string().max(LIMITS.messageText),
  attachments: z.array(attachmentSchema),
  /** Members the text names, by user id (the text holds their names as plain text). */
  mentions: z.array(z.string()).max(LIMITS.mentions).optional(),
  createdAt: isoDate,
  /** Set when its sender deleted it: text and attachments are gone, the row stays in place. */
  deleted: z.boolean().optional(),
  deletedAt: isoDate.optional(),
  /** Set when its sender's account was deleted: deleted, and the sender shown as a former member. */
  erasedAt: isoDate.optional(),
});
export type Message = z.infer<typeof messageSchema>;

export const conversationTypeSchema = z.enum(["direct", "group"]);
export type ConversationType = z.infer<typeof conversationTypeSchema>;

export const conversationMemberSchema = z.object({
  userId: z.string().min(1),
  conversationId: z.string().min(1),
  conversationType: conversationTypeSchema,
  participantIds: z.array(z.string()),
  title: z.string().nullable(),
  unreadCount: z.number().int().min(0),
  lastMessageAt: isoDate,
  lastMessagePreview: z.string(),
  lastMessageSenderId: z.string().nullable(),
  /** The message the last-message fields describe (absent on rows written before it existed). */
  lastMessageId: z.string().optional(),
  /** A direct conversation the member hid: left out of their list until a new message arrives. */
  hiddenAt: isoDate.optional(),
  createdAt: isoDate,
});
export type ConversationMember = z.infer<typeof conversationMemberSchema>;

/** Kinds of notification email, each debounced on its own. */
export const NOTIFICATION_KINDS = ["comment", "reaction", "message", "reply", "mention"] as const;
export type NotificationKind = (typeof NOTIFICATION_KINDS)[number];

/** Longest preview of the comment or message a feed entry shows, in characters. */
export const NOTIFICATION_PREVIEW_LENGTH = 140;

/** `<createdAt ISO timestamp>#<12 hex digits>`: what the feed's ids look like, nothing else. */
export const notificationIdSchema = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z#[0-9a-f]{12}$/, "is not a notification id");

/** One entry of a member's in-app feed; fields that do not apply to its kind are null. */
export const notificationSchema = z.object({
  userId: z.string().min(1),
  notificationId: notificationIdSchema,
  kind: z.enum(NOTIFICATION_KINDS),
  actor: z.object({ userId: z.string().min(1), displayName: z.string() }),
  itemId: z.string().nullable(),
  itemTitle: z.string().nullable(),
  commentId: z.string().nullable(),
  conversationId: z.string().nullable(),
  preview: z.string().max(NOTIFICATION_PREVIEW_LENGTH),
  /** On a reaction's entry: its kind when it was written (absent on entries from before kinds: likes). */
  reactionKind: z.enum(REACTION_KINDS).optional(),
  createdAt: isoDate,
  read: z.boolean(),
  /** TTL (epoch seconds): 90 days after it was written. */
  expiresAt: z.number().int(),
});
export type Notification = z.infer<typeof notificationSchema>;
