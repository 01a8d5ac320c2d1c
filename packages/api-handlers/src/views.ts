import type { Comment, ConversationMember, Message, Profile, Reaction } from "@hearth/domain";

/**
 * The JSON shapes the API returns. Each picks its fields explicitly, so nothing stored for
 * internal use (deletion markers, notification bookkeeping) ever leaks into a response.
 */
export function profileView(profile: Profile, includePrivateFields: boolean, profilePhotoUrl: string | null) {
  const view = {
    userId: profile.userId,
    displayName: profile.displayName,
    bio: profile.bio,
    /** Served: an uploaded photo as a presigned GET, an external URL as it is. */
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

export function commentView(comment: Comment, userPhotoUrl: string | null) {
  return {
    itemId: comment.itemId,
    commentId: comment.commentId,
    userId: comment.userId,
    userName: comment.userName,
    userPhotoUrl,
    commentText: comment.commentText,
    itemTitle: comment.itemTitle ?? null,
    createdAt: comment.createdAt,
    updatedAt: comment.updatedAt,
    isEdited: comment.isEdited,
    editHistory: (comment.editHistory ?? []).map((entry) => ({ text: entry.text, editedAt: entry.editedAt })),
    reactionCount: comment.reactionCount ?? 0,
  };
}

export function reactionView(reaction: Reaction) {
  return { userId: reaction.userId, createdAt: reaction.createdAt };
}

/** What a participant needs to open an attachment: a presigned GET and when it expires. */
export interface AttachmentDownloadView {
  downloadUrl: string;
  downloadUrlExpiresAt: string;
}

/**
 * A message; `downloads[i]` opens `attachments[i]`. A deleted message keeps its place and
 * sender but shows no text and no attachments.
 */
export function messageView(message: Message, downloads: readonly AttachmentDownloadView[]) {
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
  };
}

/** A conversation participant as lists show them: name and (served) photo. */
export interface ParticipantView {
  userId: string;
  displayName: string;
  profilePhotoUrl: string | null;
}

export function conversationView(membership: ConversationMember, participants: readonly ParticipantView[]) {
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
