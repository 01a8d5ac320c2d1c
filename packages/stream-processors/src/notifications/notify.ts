import type { Logger } from "@aws-lambda-powertools/logger";
import {
  type Comment,
  type CommentsRepository,
  type ConversationReader,
  commentSchema,
  type DigestWindow,
  emailableAddress,
  type HeldNotification,
  type HeldNotificationsRepository,
  isCurrentMember,
  isDeleted,
  messageSchema,
  type NewNotification,
  NOTIFICATION_PREFERENCE_OF,
  type NotificationKind,
  type NotificationsRepository,
  notificationIdFor,
  type Profile,
  type ProfilesRepository,
  profileSchema,
  reactionKindOf,
  reactionSchema,
  type SentEmailsRepository,
  UNNAMED_MEMBER,
} from "@hearth/domain";
import { MalformedRecordError, parseNewImage, type StreamChange } from "../stream-change.js";
import { NotificationDeliveryError, type NotificationSummary } from "./delivery-error.js";
import type { DigestScheduler } from "./digest-window.js";
import type { EmailSending, NotificationWindow, SiteLinks } from "./email-sending.js";
import {
  commentEmail,
  commentMentionEmail,
  type Email,
  exportReadyEmail,
  messageEmail,
  messageMentionEmail,
  reactionEmail,
  replyEmail,
  welcomeEmail,
} from "./emails.js";
import { createEmailSender } from "./send-email.js";

export { NotificationDeliveryError, type NotificationSummary } from "./delivery-error.js";

type Outcome = "sent" | "held" | "skipped";

/** A delivery attempt found its window's slot moving under it this many times: give up (the record retries). */
const MAX_SLOT_ATTEMPTS = 3;

/** Whom an event is delivered to: the members among its candidates, their profiles, and how many were not members. */
interface Recipients {
  ids: readonly string[];
  profiles: ReadonlyMap<string, Profile>;
  notMember: number;
}

/**
 * Who hears about one comment, each person once and of the most specific kind: a mention beats
 * a reply (to the author of the comment answered, and to the thread's top author), which beats
 * "a new comment on an item you commented on". Never the actor. The ids come in that order.
 */
export function commentAudience(
  comment: Pick<Comment, "userId" | "mentions" | "replyTo" | "replyToUserId" | "threadId" | "threadUserId">,
  earlierCommenters: Iterable<string>,
): { mention: string[]; reply: string[]; comment: string[] } {
  const taken = new Set([comment.userId]);
  const claim = (ids: Iterable<string | undefined>) => {
    const claimed: string[] = [];
    for (const id of ids) {
      if (!id || taken.has(id)) continue;
      taken.add(id);
      claimed.push(id);
    }
    return claimed;
  };
  const mention = claim(comment.mentions ?? []);
  const reply = claim([
    comment.replyTo ? comment.replyToUserId : undefined,
    comment.threadId ? comment.threadUserId : undefined,
  ]);
  return { mention, reply, comment: claim(earlierCommenters) };
}

/** One event's deliveries of several kinds, summed (its kind the event's own when more than one had recipients). */
function combined(
  eventKind: NotificationKind,
  summaries: readonly NotificationSummary[],
): NotificationSummary {
  const reached = summaries.filter(
    (summary) => summary.sent + (summary.held ?? 0) + summary.skipped + (summary.notMember ?? 0) > 0,
  );
  const sum = (field: "sent" | "held" | "skipped" | "notMember") =>
    summaries.reduce((total, summary) => total + (summary[field] ?? 0), 0);
  return {
    kind: reached.length === 1 ? reached[0]!.kind : eventKind,
    sent: sum("sent"),
    held: sum("held"),
    skipped: sum("skipped"),
    notMember: sum("notMember"),
  };
}

/** What a held event keeps for its window's digest (the recipient and window are added per delivery). */
export type DigestEntry = Omit<HeldNotification, "userId" | "kind" | "windowStart">;

/** The tables the notifier reads and writes. */
export interface NotificationRepositories {
  profiles: ProfilesRepository;
  comments: CommentsRepository;
  conversations: ConversationReader;
  notifications: NotificationsRepository;
  heldNotifications: HeldNotificationsRepository;
  /** Emails that answer one event and have no debounce slot to tell whether they went (welcome, export). */
  sentEmails: SentEmailsRepository;
}

/** The part of the notifications processor that schedules a window's digest when its first event is held. */
export interface DigestScheduling {
  digestScheduler: DigestScheduler;
}

export type NotifierDependencies = EmailSending &
  SiteLinks &
  NotificationWindow &
  DigestScheduling & {
    repositories: NotificationRepositories;
    logger: Logger;
    clock: () => Date;
  };

export class NotificationSlotMovingError extends Error {
  override readonly name = "NotificationSlotMovingError";
}

/**
 * Emails about one event: recipients resolved per kind, each debounced on its own. The first
 * event of a kind in a recipient's window is emailed at once; later ones are held for that
 * window's digest, whose one-time trigger the first held event schedules.
 */
export function createNotifier(
  deps: NotifierDependencies,
): (change: StreamChange) => Promise<NotificationSummary> {
  const { repositories, logger, digestScheduler } = deps;
  // Welcome and export emails answer the member's own action or approval, so they carry no
  // unsubscribe headers: there is nothing to opt out of (see README, Emails).
  const send = createEmailSender(deps);

  /**
   * Sends an email that answers one event (`key`) at most once, however often its record is
   * retried: recorded before the send, so a retry after a failure that came later (or after a
   * send whose outcome is unknown) finds it and sends nothing; forgotten only when the send
   * certainly failed, so the retry sends it then.
   */
  async function sendOnce(
    key: string,
    to: string,
    email: Email,
    options?: Parameters<typeof send>[2],
  ): Promise<"sent" | "already"> {
    if (!(await repositories.sentEmails.begin(key))) return "already";
    let outcome: Awaited<ReturnType<typeof send>>;
    try {
      outcome = await send(to, email, options);
    } catch (error) {
      await repositories.sentEmails.forget(key);
      throw error;
    }
    await repositories.sentEmails.settle(key, outcome);
    return "sent";
  }

  /**
   * Sends the email of a slot claimed at `claimedAt` for the event `eventKey`, once: a record
   * retried after its window passed claims a new slot, and finds the send recorded. Gives the
   * slot back if SES certainly did not take it.
   */
  async function sendClaimed(
    kind: NotificationKind,
    recipientId: string,
    to: string,
    email: Email,
    claimedAt: Date,
    eventKey: string,
  ) {
    try {
      await sendOnce(`${kind}#${eventKey}#${recipientId}`, to, email, {
        unsubscribe: { userId: recipientId, kind },
      });
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

  /**
   * Holds the event for the digest of the window that started at `windowStart`, and schedules
   * that digest if this event is the one to (the window's first held event, or the same event
   * retried after its schedule could not be made).
   */
  async function holdForDigest(window: DigestWindow, entry: DigestEntry): Promise<"held" | "window-closed"> {
    const windowEnd = new Date(Date.parse(window.windowStart) + deps.notificationWindowSeconds * 1000);
    const outcome = await repositories.heldNotifications.hold({ ...window, ...entry }, windowEnd);
    if (outcome === "window-closed") return outcome;
    if (await repositories.heldNotifications.claimSchedule(window, entry.notificationId)) {
      try {
        // Never in the past: a clock a little behind the window's end still gets its trigger.
        const at = new Date(Math.max(windowEnd.getTime(), deps.clock().getTime()));
        await digestScheduler.schedule(window, at);
      } catch (scheduleError) {
        await repositories.heldNotifications.releaseSchedule(window, entry.notificationId).catch((error) =>
          logger.error("Could not release a digest's schedule mark after a failed schedule", {
            ...window,
            error: error as Error,
          }),
        );
        throw scheduleError;
      }
      await repositories.heldNotifications.markScheduled(window, entry.notificationId);
    }
    return "held";
  }

  async function deliverOne(
    kind: NotificationKind,
    recipientId: string,
    email: Email,
    entry: DigestEntry,
    profile: Pick<Profile, "email" | "suppressedEmail" | "notificationPreferences"> | undefined,
  ): Promise<Outcome> {
    // No address, a suppressed one (it bounced or complained), or this kind turned off.
    const to = emailableAddress(profile);
    if (!to || !profile?.notificationPreferences[NOTIFICATION_PREFERENCE_OF[kind]]) return "skipped";
    const eventKey = entry.notificationId;
    for (let attempt = 0; attempt < MAX_SLOT_ATTEMPTS; attempt++) {
      const claimedAt = deps.clock();
      const claim = await repositories.profiles.claimNotificationSlot(
        recipientId,
        kind,
        claimedAt,
        deps.notificationWindowSeconds,
        eventKey,
      );
      if (claim.claimed) {
        await sendClaimed(kind, recipientId, to, email, claimedAt, eventKey);
        return "sent";
      }
      // This event opened the window and was emailed (a retried record): nothing more to do.
      if (claim.sameEvent || claim.windowStart === null) return "skipped";
      const window = { userId: recipientId, kind, windowStart: claim.windowStart };
      if ((await holdForDigest(window, entry)) === "held") return "held";
      // The window's digest has been claimed without this event: it opens the next window.
      if (
        await repositories.profiles.reopenNotificationSlot(
          recipientId,
          kind,
          claim.windowStart,
          claimedAt,
          eventKey,
        )
      ) {
        await sendClaimed(kind, recipientId, to, email, claimedAt, eventKey);
        return "sent";
      }
    }
    throw new NotificationSlotMovingError(
      `The ${kind} notification slot of ${recipientId} kept moving; the record is retried`,
    );
  }

  async function deliver(
    kind: NotificationKind,
    recipients: Recipients,
    email: Email,
    entry: DigestEntry,
  ): Promise<NotificationSummary> {
    const { ids: recipientIds, profiles, notMember } = recipients;
    if (recipientIds.length === 0) return { kind, sent: 0, skipped: 0, notMember };
    const outcomes = await Promise.allSettled(
      recipientIds.map((id) => deliverOne(kind, id, email, entry, profiles.get(id))),
    );
    const failedIds = recipientIds.filter((_, index) => outcomes[index]?.status === "rejected");
    if (failedIds.length) {
      const errors = outcomes.flatMap((outcome) => (outcome.status === "rejected" ? [outcome.reason] : []));
      throw new NotificationDeliveryError(failedIds, errors);
    }
    const count = (wanted: Outcome) =>
      outcomes.filter((outcome) => outcome.status === "fulfilled" && outcome.value === wanted).length;
    const sent = count("sent");
    const held = count("held");
    return { kind, sent, held, skipped: recipientIds.length - sent - held, notMember };
  }

  /**
   * Who of `candidates` is a member at this moment (their profile's mark, read now, not when
   * the event happened): only they get a feed entry, an email or a place in a digest. The
   * others are counted and get nothing. One BatchGet, whose profiles the emails use too.
   */
  async function membersAmong(candidates: readonly string[]): Promise<Recipients> {
    const unique = [...new Set(candidates)];
    if (unique.length === 0) return { ids: [], profiles: new Map(), notMember: 0 };
    const profiles = await repositories.profiles.getMany(unique);
    const ids = unique.filter((id) => isCurrentMember(profiles.get(id)));
    return { ids, profiles, notMember: unique.length - ids.length };
  }

  /** What a digest lists about an event: its feed entry's id (the same for every recipient) and where it happened. */
  function digestEntryOf(event: NewNotification, conversationTitle: string | null = null): DigestEntry {
    return {
      notificationId: notificationIdFor(event.createdAt, event.sourceEventId),
      actor: event.actor,
      itemId: event.itemId ?? null,
      itemTitle: event.itemTitle ?? null,
      conversationId: event.conversationId ?? null,
      conversationTitle,
      createdAt: event.createdAt,
    };
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

  /** The members among `ids`, with the profiles read once for the whole event. */
  function among(all: Recipients, ids: readonly string[]): Recipients {
    const wanted = new Set(ids);
    const members = all.ids.filter((id) => wanted.has(id));
    return {
      ids: members,
      profiles: all.profiles,
      notMember: [...wanted].filter((id) => !members.includes(id)).length,
    };
  }

  /** Feed entries, then emails, for the recipients of one kind of an event. */
  async function notifyKind(
    kind: NotificationKind,
    recipients: Recipients,
    event: Omit<NewNotification, "kind">,
    email: () => Email,
    conversationTitle: string | null = null,
  ): Promise<NotificationSummary> {
    if (recipients.ids.length === 0) return { kind, sent: 0, skipped: 0, notMember: recipients.notMember };
    const ofKind: NewNotification = { ...event, kind };
    await addToFeeds(recipients.ids, ofKind);
    return deliver(kind, recipients, email(), digestEntryOf(ofKind, conversationTitle));
  }

  /**
   * A new comment or reply: the mentioned, the authors it answers and those who commented on
   * the item before each hear of it once, of the most specific kind (see commentAudience).
   * Replies carry their authors (`replyToUserId`, `threadUserId`): no lookup.
   */
  async function onNewComment(change: StreamChange): Promise<NotificationSummary> {
    const comment = parseNewImage(change, commentSchema);
    if (isDeleted(comment)) return nothing;
    // Only those who had commented before this comment; later commenters saw it already.
    const commenters = await repositories.comments.commenterIds(comment.itemId, {
      before: comment.commentId,
    });
    const audience = commentAudience(comment, commenters);
    const everyone = await membersAmong([...audience.mention, ...audience.reply, ...audience.comment]);
    const event: Omit<NewNotification, "kind"> = {
      sourceEventId: change.eventID,
      actor: { userId: comment.userId, displayName: actorName(comment.userName) },
      itemId: comment.itemId,
      itemTitle: comment.itemTitle,
      commentId: comment.commentId,
      text: comment.commentText,
      createdAt: comment.createdAt,
    };
    const repliedTo = (id: string) => id === comment.replyToUserId && !!comment.replyTo;
    const summaries = await Promise.all([
      notifyKind("mention", among(everyone, audience.mention), event, () =>
        commentMentionEmail(deps.siteUrl, comment),
      ),
      // The two reply recipients read differently: one was answered, the other owns the thread.
      ...[true, false].map((answered) =>
        notifyKind(
          "reply",
          among(
            everyone,
            audience.reply.filter((id) => repliedTo(id) === answered),
          ),
          event,
          () => replyEmail(deps.siteUrl, comment, answered),
        ),
      ),
      notifyKind("comment", among(everyone, audience.comment), event, () =>
        commentEmail(deps.siteUrl, comment),
      ),
    ]);
    return combined("comment", summaries);
  }

  /**
   * An edit that added someone to a comment's mentions (`mentionsAddedAt` moved): only those
   * not mentioned before hear of it, as a mention, at the time of the edit.
   */
  async function onMentionsAdded(change: StreamChange): Promise<NotificationSummary> {
    const comment = parseNewImage(change, commentSchema);
    const old = change.oldImage as Partial<Comment> | undefined;
    if (isDeleted(comment) || !comment.mentionsAddedAt || old?.mentionsAddedAt === comment.mentionsAddedAt) {
      return nothing;
    }
    const before = new Set(old?.mentions ?? []);
    const added = (comment.mentions ?? []).filter((id) => !before.has(id) && id !== comment.userId);
    const recipients = await membersAmong(added);
    const event: Omit<NewNotification, "kind"> = {
      sourceEventId: change.eventID,
      actor: { userId: comment.userId, displayName: actorName(comment.userName) },
      itemId: comment.itemId,
      itemTitle: comment.itemTitle,
      commentId: comment.commentId,
      text: comment.commentText,
      createdAt: comment.mentionsAddedAt,
    };
    return notifyKind("mention", recipients, event, () => commentMentionEmail(deps.siteUrl, comment));
  }

  async function onNewReaction(change: StreamChange): Promise<NotificationSummary> {
    const reaction = parseNewImage(change, reactionSchema);
    if (reaction.userId === reaction.commentAuthorId) return nothing;
    const kind = reactionKindOf(reaction);
    const [comment, reactor, recipients] = await Promise.all([
      repositories.comments.get(reaction.itemId, reaction.commentId),
      repositories.profiles.get(reaction.userId),
      membersAmong([reaction.commentAuthorId]),
    ]);
    // A comment deleted since the like has nothing left to show.
    if (!comment || isDeleted(comment)) return nothing;
    const event: NewNotification = {
      sourceEventId: change.eventID,
      kind: "reaction",
      actor: { userId: reaction.userId, displayName: actorName(reactor?.displayName) },
      itemId: comment.itemId,
      itemTitle: comment.itemTitle,
      commentId: comment.commentId,
      text: comment.commentText,
      reactionKind: kind,
      createdAt: reaction.createdAt,
      // Taken back and given again, of whatever kind: one entry while the author has not read
      // it (the entry keeps the kind it was written with). A switch of kind rewrites the row
      // (a MODIFY), which notifies nobody at all.
      once: `reaction:${comment.commentId}:${reaction.userId}`,
    };
    await addToFeeds(recipients.ids, event);
    return deliver(
      "reaction",
      recipients,
      reactionEmail(deps.siteUrl, comment, reactor?.displayName, kind),
      digestEntryOf(event),
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
    const mentioned = new Set(message.mentions ?? []);
    const others = membership.participantIds.filter((id) => id !== message.senderId);
    const everyone = await membersAmong(others);
    const attachments = message.attachments.length;
    const event: Omit<NewNotification, "kind"> = {
      sourceEventId: change.eventID,
      actor: { userId: message.senderId, displayName: actorName(message.senderName) },
      conversationId: message.conversationId,
      text:
        message.messageText.trim() ||
        (attachments === 1 ? "(1 attachment)" : attachments > 1 ? `(${attachments} attachments)` : ""),
      createdAt: message.createdAt,
    };
    // A mentioned participant hears of it as a mention, the others as a message: once each.
    const summaries = await Promise.all([
      notifyKind(
        "mention",
        among(
          everyone,
          others.filter((id) => mentioned.has(id)),
        ),
        event,
        () => messageMentionEmail(deps.siteUrl, message, membership.title),
        membership.title,
      ),
      notifyKind(
        "message",
        among(
          everyone,
          others.filter((id) => !mentioned.has(id)),
        ),
        event,
        () => messageEmail(deps.siteUrl, message, membership.title),
        membership.title,
      ),
    ]);
    return combined("message", summaries);
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
    // Let in and out again before this record was read: no welcome.
    if (!isCurrentMember(await repositories.profiles.get(profile.userId))) {
      return { kind: "welcome", sent: 0, skipped: 0, notMember: 1 };
    }
    const to = emailableAddress(profile);
    if (!to) {
      logger.warn("An approved person has no emailable address; no welcome email", {
        userId: profile.userId,
        emailStatus: profile.email ? "suppressed" : "none",
      });
      return { kind: "welcome", sent: 0, skipped: 1 };
    }
    let sent: "sent" | "already";
    try {
      sent = await sendOnce(
        `welcome#${profile.userId}#${profile.approvedAt}`,
        to,
        welcomeEmail(deps.siteUrl, profile.displayName),
      );
    } catch (error) {
      throw new NotificationDeliveryError([profile.userId], [error]);
    }
    return sent === "sent"
      ? { kind: "welcome", sent: 1, skipped: 0 }
      : { kind: "welcome", sent: 0, skipped: 1 };
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
    const requester = await repositories.profiles.get(job.userId);
    // The export holds family content: someone no longer a member is not sent its link.
    if (!isCurrentMember(requester)) return { kind: "export", sent: 0, skipped: 0, notMember: 1 };
    const to = emailableAddress(requester);
    if (!to) return { kind: "export", sent: 0, skipped: 1 };
    const counts = (job.result as { counts?: Record<string, number> } | undefined)?.counts ?? {};
    const sent = await sendOnce(
      `export#${job.userId}#${job.jobId}`,
      to,
      exportReadyEmail(deps.siteUrl, job.jobId, counts),
    );
    return sent === "sent"
      ? { kind: "export", sent: 1, skipped: 0 }
      : { kind: "export", sent: 0, skipped: 1 };
  }

  return async (change) => {
    if (change.table === "UserProfiles") {
      return change.eventName === "MODIFY" && !change.oldImage?.approvedAt ? onApproval(change) : nothing;
    }
    if (change.table === "Jobs") return change.eventName === "MODIFY" ? onExportReady(change) : nothing;
    if (change.table === "Comments" && change.eventName === "MODIFY") return onMentionsAdded(change);
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
