import {
  commentSchema,
  emailableAddress,
  isDeleted,
  messageSchema,
  type NewNotification,
  NOTIFICATION_PREFERENCE_OF,
  type NotificationKind,
  type NotificationPreferences,
  profileSchema,
  reactionSchema,
  UNNAMED_MEMBER,
} from "@hearth/domain";
import type { ProcessorDependencies } from "../dependencies.js";
import { MalformedRecordError, parseNewImage, type StreamChange } from "../stream-change.js";
import { NotificationDeliveryError, type NotificationSummary } from "./delivery-error.js";
import {
  commentEmail,
  type Email,
  exportReadyEmail,
  messageEmail,
  reactionEmail,
  welcomeEmail,
} from "./emails.js";
import { createEmailSender } from "./send-email.js";

export { NotificationDeliveryError, type NotificationSummary } from "./delivery-error.js";

type Outcome = "sent" | "skipped";

/** Emails about one event: recipients resolved per kind, each debounced and sent on its own. */
export function createNotifier(
  deps: ProcessorDependencies,
): (change: StreamChange) => Promise<NotificationSummary> {
  const { repositories, logger } = deps;

  // Welcome and export emails answer the member's own action or approval, so they carry no
  // unsubscribe headers: there is nothing to opt out of (see README, Emails).
  const send = createEmailSender(deps);

  async function deliverOne(
    kind: NotificationKind,
    recipientId: string,
    email: Email,
    profile:
      | {
          email?: string | undefined;
          suppressedEmail?: string | undefined;
          notificationPreferences: NotificationPreferences;
        }
      | undefined,
  ): Promise<Outcome> {
    // No address, a suppressed one (it bounced or complained), or this kind turned off.
    const to = emailableAddress(profile);
    if (!to || !profile?.notificationPreferences[NOTIFICATION_PREFERENCE_OF[kind]]) return "skipped";
    const claimedAt = deps.clock();
    const claimed = await repositories.profiles.claimNotificationSlot(
      recipientId,
      kind,
      claimedAt,
      deps.notificationWindowSeconds,
    );
    if (!claimed) return "skipped";
    try {
      await send(to, email, { unsubscribe: { userId: recipientId, kind } });
      return "sent";
    } catch (sendError) {
      try {
        await repositories.profiles.releaseNotificationSlot(recipientId, kind, claimedAt);
      } catch (releaseError) {
        // The slot stays claimed: this recipient misses this email until the window passes.
        logger.error("Could not release a notification slot after a failed send", {
          recipientId,
          kind,
          error: releaseError as Error,
        });
      }
      throw sendError;
    }
  }

  async function deliver(
    kind: NotificationKind,
    recipientIds: readonly string[],
    email: Email,
  ): Promise<NotificationSummary> {
    if (recipientIds.length === 0) return { kind, sent: 0, skipped: 0 };
    const profiles = await repositories.profiles.getMany(recipientIds);
    const outcomes = await Promise.allSettled(
      recipientIds.map((id) => deliverOne(kind, id, email, profiles.get(id))),
    );
    const failedIds = recipientIds.filter((_, index) => outcomes[index]?.status === "rejected");
    if (failedIds.length) {
      const errors = outcomes.flatMap((outcome) => (outcome.status === "rejected" ? [outcome.reason] : []));
      throw new NotificationDeliveryError(failedIds, errors);
    }
    const sent = outcomes.filter(
      (outcome) => outcome.status === "fulfilled" && outcome.value === "sent",
    ).length;
    return { kind, sent, skipped: recipientIds.length - sent };
  }

  /**
   * The in-app feed comes first and does not depend on email preferences or the email window:
   * each recipient gets one entry (a redelivered record writes none again). A failed write
   * fails the record, so its retry writes the rest.
   */
  async function addToFeeds(recipientIds: readonly string[], event: NewNotification): Promise<void> {
    if (recipientIds.length === 0) return;
    await repositories.notifications.addForRecipients(recipientIds, event);
  }

  const actorName = (name: string | undefined | null) => name?.trim() || UNNAMED_MEMBER;

  const nothing: NotificationSummary = { kind: "none", sent: 0, skipped: 0 };

  async function onNewComment(change: StreamChange): Promise<NotificationSummary> {
    const comment = parseNewImage(change, commentSchema);
    if (isDeleted(comment)) return nothing;
    // Only those who had commented before this comment; later commenters saw it already.
    const commenters = await repositories.comments.commenterIds(comment.itemId, {
      before: comment.commentId,
    });
    commenters.delete(comment.userId);
    const recipients = [...commenters];
    await addToFeeds(recipients, {
      sourceEventId: change.eventID,
      kind: "comment",
      actor: { userId: comment.userId, displayName: actorName(comment.userName) },
      itemId: comment.itemId,
      itemTitle: comment.itemTitle,
      commentId: comment.commentId,
      text: comment.commentText,
      createdAt: comment.createdAt,
    });
    return deliver("comment", recipients, commentEmail(deps.siteUrl, comment));
  }

  async function onNewReaction(change: StreamChange): Promise<NotificationSummary> {
    const reaction = parseNewImage(change, reactionSchema);
    if (reaction.userId === reaction.commentAuthorId) return nothing;
    const [comment, reactor] = await Promise.all([
      repositories.comments.get(reaction.itemId, reaction.commentId),
      repositories.profiles.get(reaction.userId),
    ]);
    // A comment deleted since the like has nothing left to show.
    if (!comment || isDeleted(comment)) return nothing;
    await addToFeeds([reaction.commentAuthorId], {
      sourceEventId: change.eventID,
      kind: "reaction",
      actor: { userId: reaction.userId, displayName: actorName(reactor?.displayName) },
      itemId: comment.itemId,
      itemTitle: comment.itemTitle,
      commentId: comment.commentId,
      text: comment.commentText,
      createdAt: reaction.createdAt,
    });
    return deliver(
      "reaction",
      [reaction.commentAuthorId],
      reactionEmail(deps.siteUrl, comment, reactor?.displayName),
    );
  }

  async function onNewMessage(change: StreamChange): Promise<NotificationSummary> {
    const message = parseNewImage(change, messageSchema);
    // Read now, not as inserted: a message deleted since (or a group its sender left) mails nobody,
    // and who has left the group since is no longer among the participants.
    const [membership, current] = await Promise.all([
      repositories.conversations.getMembership(message.senderId, message.conversationId),
      repositories.conversations.getMessage(message.conversationId, message.messageId),
    ]);
    if (!current || current.deleted) return nothing;
    if (!membership) {
      logger.warn("A message's sender is not a member of its conversation; nobody emailed", {
        eventID: change.eventID,
        conversationId: message.conversationId,
      });
      return nothing;
    }
    const recipients = membership.participantIds.filter((id) => id !== message.senderId);
    const attachments = message.attachments.length;
    await addToFeeds(recipients, {
      sourceEventId: change.eventID,
      kind: "message",
      actor: { userId: message.senderId, displayName: actorName(message.senderName) },
      conversationId: message.conversationId,
      text:
        message.messageText.trim() ||
        (attachments === 1 ? "(1 attachment)" : attachments > 1 ? `(${attachments} attachments)` : ""),
      createdAt: message.createdAt,
    });
    return deliver("message", recipients, messageEmail(deps.siteUrl, message, membership.title));
  }

  const approvedProfile = profileSchema
    .pick({ userId: true, email: true, suppressedEmail: true, displayName: true, approvedAt: true })
    .required({ approvedAt: true });

  /**
   * An admin approved someone (approvedAt appeared, which the filter and the approval's
   * condition make happen once per person): welcome them. Not debounced nor subject to the
   * notification preferences; a redelivered record is answered by the idempotency store.
   */
  async function onApproval(change: StreamChange): Promise<NotificationSummary> {
    const profile = parseNewImage(change, approvedProfile);
    const to = emailableAddress(profile);
    if (!to) {
      logger.warn("An approved person has no emailable address; no welcome email", {
        userId: profile.userId,
        emailStatus: profile.email ? "suppressed" : "none",
      });
      return { kind: "welcome", sent: 0, skipped: 1 };
    }
    try {
      await send(to, welcomeEmail(deps.siteUrl, profile.displayName));
    } catch (error) {
      throw new NotificationDeliveryError([profile.userId], [error]);
    }
    return { kind: "welcome", sent: 1, skipped: 0 };
  }

  /**
   * The member asked for their export: they are told it is ready whatever their notification
   * preferences (those are about other people's activity), once per job (the record is
   * processed once per eventID, and only the MODIFY into COMPLETED is delivered).
   */
  async function onExportReady(change: StreamChange): Promise<NotificationSummary> {
    const job = change.newImage;
    if (job?.kind !== "export" || job.status !== "COMPLETED" || change.oldImage?.status === "COMPLETED") {
      return { kind: "export", sent: 0, skipped: 0 };
    }
    if (typeof job.userId !== "string" || typeof job.jobId !== "string") {
      throw new MalformedRecordError(`The Jobs record ${change.eventID} has no userId and jobId`);
    }
    const to = emailableAddress(await repositories.profiles.get(job.userId));
    if (!to) return { kind: "export", sent: 0, skipped: 1 };
    const counts = (job.result as { counts?: Record<string, number> } | undefined)?.counts ?? {};
    await send(to, exportReadyEmail(deps.siteUrl, job.jobId, counts));
    return { kind: "export", sent: 1, skipped: 0 };
  }

  return async (change) => {
    if (change.table === "UserProfiles") {
      return change.eventName === "MODIFY" && !change.oldImage?.approvedAt ? onApproval(change) : nothing;
    }
    if (change.table === "Jobs") return change.eventName === "MODIFY" ? onExportReady(change) : nothing;
    if (change.eventName !== "INSERT") return nothing;
    switch (change.table) {
      case "Comments":
        return onNewComment(change);
      case "CommentReactions":
        return onNewReaction(change);
      case "Messages":
        return onNewMessage(change);
      default:
        return nothing;
    }
  };
}
