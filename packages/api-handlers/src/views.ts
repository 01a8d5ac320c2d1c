import type { Comment, ConversationMember, Message, Profile, Reaction } from "@hearth/domain";

/** The name shown for someone whose profile has none. */
export const UNNAMED_MEMBER = "Family member";

/**
 * The JSON shapes the API returns. Each picks its fields explicitly, so nothing stored for
 * internal use (deletion markers, notification bookkeeping) ever leaks into a response.
 */
export function profileView(profile: Profile, includePrivateFields: boolean) {
  const view = {
    userId: profile.userId,
    displayName: profile.displayName,
    bio: profile.bio,
    profilePhotoUrl: photoUrlOf(profile),
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

/**
 * Every profile photo a view shows goes through here: today the stored external https URL
 * (or null). One place, so a stored photo key can become a presigned GET for all views at once.
 */
export function photoUrlOf(profileLike: { profilePhotoUrl?: string | null | undefined }): string | null {
  return profileLike.profilePhotoUrl ?? null;
}

/** `viewerHasReacted`: whether the caller has liked this comment. */
export function commentView(comment: Comment, viewerHasReacted: boolean) {
  return {
    itemId: comment.itemId,
    commentId: comment.commentId,
    userId: comment.userId,
    userName: comment.userName,
    userPhotoUrl: photoUrlOf({ profilePhotoUrl: comment.userPhotoUrl }),
    commentText: comment.commentText,
    itemTitle: comment.itemTitle ?? null,
    createdAt: comment.createdAt,
    updatedAt: comment.updatedAt,
    isEdited: comment.isEdited,
    editHistory: (comment.editHistory ?? []).map((entry) => ({ text: entry.text, editedAt: entry.editedAt })),
    reactionCount: comment.reactionCount ?? 0,
    viewerHasReacted,
  };
}

/** Someone who reacted, with their current name and photo (a reactor without a profile shows a generic name). */
export function reactionView(reaction: Reaction, reactor: Profile | undefined) {
  return {
    userId: reaction.userId,
    displayName: reactor?.displayName || UNNAMED_MEMBER,
    profilePhotoUrl: reactor ? photoUrlOf(reactor) : null,
    createdAt: reaction.createdAt,
  };
}

/**
 * A directory entry: name and photo only, so a private profile shows no more than a
 * comment by its owner would.
 */
export function memberView(profile: Profile) {
  return {
    userId: profile.userId,
    displayName: profile.displayName || UNNAMED_MEMBER,
    profilePhotoUrl: photoUrlOf(profile),
  };
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
