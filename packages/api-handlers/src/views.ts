import {
  type Comment,
  type ConversationMember,
  commentVersion,
  type Message,
  type Profile,
  type Reaction,
} from "@hearth/domain";

/**
 * The JSON shapes the API returns. Each picks its fields explicitly, so nothing stored for
 * internal use (deletion markers, notification bookkeeping) ever leaks into a response.
 */
export function profileView(profile: Profile, includePrivateFields: boolean) {
  const view = {
    userId: profile.userId,
    displayName: profile.displayName,
    bio: profile.bio,
    profilePhotoUrl: profile.profilePhotoUrl,
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

export function commentView(comment: Comment) {
  return {
    itemId: comment.itemId,
    commentId: comment.commentId,
    userId: comment.userId,
    userName: comment.userName,
    userPhotoUrl: comment.userPhotoUrl ?? null,
    commentText: comment.commentText,
    itemTitle: comment.itemTitle ?? null,
    createdAt: comment.createdAt,
    updatedAt: comment.updatedAt,
    isEdited: comment.isEdited,
    editHistory: (comment.editHistory ?? []).map((entry) => ({ text: entry.text, editedAt: entry.editedAt })),
    reactionCount: comment.reactionCount ?? 0,
    /** What `If-Match` on an edit names, so an edit cannot overwrite one the client has not seen. */
    version: commentVersion(comment),
  };
}

export function reactionView(reaction: Reaction) {
  return { userId: reaction.userId, createdAt: reaction.createdAt };
}

export function messageView(message: Message) {
  return {
    conversationId: message.conversationId,
    messageId: message.messageId,
    senderId: message.senderId,
    senderName: message.senderName,
    messageText: message.messageText,
    attachments: message.attachments.map((attachment) => ({
      s3Key: attachment.s3Key,
      filename: attachment.filename,
      contentType: attachment.contentType,
      size: attachment.size,
    })),
    createdAt: message.createdAt,
  };
}

export function conversationView(membership: ConversationMember) {
  return {
    conversationId: membership.conversationId,
    conversationType: membership.conversationType,
    participantIds: membership.participantIds,
    title: membership.title ?? null,
    unreadCount: membership.unreadCount,
    lastMessageAt: membership.lastMessageAt,
    lastMessagePreview: membership.lastMessagePreview,
    lastMessageSenderId: membership.lastMessageSenderId ?? null,
    createdAt: membership.createdAt,
  };
}
