import type { Logger } from "@aws-lambda-powertools/logger";
import {
  type Comment,
  type ConnectionsRepository,
  type ConversationsRepository,
  commentSchema,
  isCurrentMember,
  isMember,
  type Message,
  messageSchema,
  type NotificationsRepository,
  notificationSchema,
  type Profile,
  type ProfilesRepository,
  REACTION_KINDS,
  type ReactionsRepository,
  reactionCountsOf,
  UNREAD_COUNTER_ID,
} from "@hearth/domain";
import type { PushViews, RealtimePush } from "@hearth/views/push-views";
import { sharedReads } from "../shared-reads.js";
import type { StreamChange } from "../stream-change.js";
import { parseNewImage } from "../stream-change.js";
import type { ConnectionsApi } from "./connections-api.js";

/**
 * What one record's pushes came to: posted, found gone (and removed), failed otherwise, and
 * withheld because the connection's person is not a member now.
 */
export interface FanoutSummary {
  pushed: number;
  gone: number;
  failed: number;
  notMember: number;
  /** Connections closed because their member's membership ended. */
  closed?: number;
}

export interface RealtimeFanoutDependencies {
  repositories: {
    connections: ConnectionsRepository;
    conversations: ConversationsRepository;
    notifications: NotificationsRepository;
    profiles: ProfilesRepository;
    reactions: ReactionsRepository;
  };
  views: PushViews;
  connectionsApi: ConnectionsApi;
  logger: Pick<Logger, "warn">;
  clock: () => Date;
}

/** One push to one connection; `itemId` when the connection was found through a subscription. */
interface Delivery {
  userId: string;
  connectionId: string;
  itemId?: string;
  push: RealtimePush;
}

const NOTHING: FanoutSummary = { pushed: 0, gone: 0, failed: 0, notMember: 0 };

/**
 * The realtime fanout: turns new messages, feed entries and comment changes into pushes to
 * the open WebSocket connections that should see them. Reads come first (a read that fails
 * fails the record, before anything was pushed, and it is retried); posting is best effort:
 * every push is tried whatever the others do, a connection found gone (410) is removed with
 * its subscriptions, and other failures are counted and logged but never fail the record,
 * so a retry never pushes twice what was pushed once. Every push goes only to people who are
 * members at that moment (their profile's mark, read with the record's other reads): an open
 * socket of someone let out since gets nothing, whatever their token said when it connected.
 */
export function createRealtimeFanout(deps: RealtimeFanoutDependencies) {
  const { repositories, views, connectionsApi, logger } = deps;

  // What the records of a batch ask alike, read once for all of them while in flight: a burst
  // of feed entries for a few people, or of messages in one conversation, asks the same things.
  // The unread count and the memberships depend on the record's own write: only the records of
  // their own subscription (feed entries, messages) ask them (see sharedReads).
  const sameMembers = (userIds: readonly string[]) => [...new Set(userIds)].sort().join(" ");
  const profilesOf = sharedReads(
    (userIds: readonly string[]) => repositories.profiles.getMany(userIds),
    sameMembers,
  );
  const connectionsOf = sharedReads(
    (userId: string) => repositories.connections.connectionsOf(userId),
    (userId) => userId,
  );
  const unreadCountOf = sharedReads(
    (userId: string) => repositories.notifications.unreadCount(userId),
    (userId) => userId,
  );
  const membershipOf = sharedReads(
    (userId: string, conversationId: string) =>
      repositories.conversations.getMembership(userId, conversationId),
    (userId, conversationId) => `${userId} ${conversationId}`,
  );

  /** Which of `userIds` are members now: one BatchGet of their profiles. */
  async function membersAmong(userIds: readonly string[]): Promise<ReadonlySet<string>> {
    return (await membersAndProfiles(userIds)).members;
  }

  /** `membersAmong`, with the profiles it read (whose names a pushed message's mentions show). */
  async function membersAndProfiles(userIds: readonly string[]) {
    if (userIds.length === 0) return { members: new Set<string>(), profiles: new Map<string, Profile>() };
    const profiles = await profilesOf(userIds);
    const members = new Set([...new Set(userIds)].filter((userId) => isCurrentMember(profiles.get(userId))));
    return { members, profiles };
  }

  /** The current names of whom a comment mentions: one BatchGet, none when it mentions nobody. */
  async function mentionNamesOf(comment: Comment): Promise<ReadonlyMap<string, Profile>> {
    const ids = comment.mentions ?? [];
    return ids.length ? repositories.profiles.getMany(ids) : new Map();
  }

  /** Posts the deliveries to members; those to anyone else are withheld and counted. */
  async function deliver(all: readonly Delivery[], members: ReadonlySet<string>): Promise<FanoutSummary> {
    const deliveries = all.filter((delivery) => members.has(delivery.userId));
    const outcomes = await Promise.allSettled(
      deliveries.map(async (delivery) => {
        const outcome = await connectionsApi.post(delivery.connectionId, JSON.stringify(delivery.push));
        // A connection still in its handshake is kept (see removeGone).
        if (
          outcome === "gone" &&
          (await repositories.connections.removeGone(delivery.userId, delivery.connectionId, deps.clock()))
        ) {
          // A subscription can outlive its connection's record (a subscribe racing a disconnect).
          if (delivery.itemId) {
            await repositories.connections.removeSubscription(delivery.itemId, delivery.connectionId);
          }
        }
        return outcome;
      }),
    );
    const summary = { ...NOTHING, notMember: all.length - deliveries.length };
    outcomes.forEach((outcome, index) => {
      if (outcome.status === "fulfilled") {
        if (outcome.value === "sent") summary.pushed++;
        else summary.gone++;
        return;
      }
      summary.failed++;
      const delivery = deliveries[index];
      logger.warn("A push failed; the client re-reads through REST when it reconnects", {
        type: delivery?.push.type,
        connectionId: delivery?.connectionId,
        error: outcome.reason as Error,
      });
    });
    return summary;
  }

  /** `message.created` to the other participants, `conversation.updated` to everyone, each with their own counts. */
  async function messageCreated(message: Message): Promise<FanoutSummary> {
    const sender = await membershipOf(message.senderId, message.conversationId);
    if (!sender) return NOTHING;
    const participantIds = [...new Set(sender.participantIds)];
    // Whom a message mentions are among its participants: their profiles name them.
    const [memberships, connectionsOfParticipants, { members, profiles }] = await Promise.all([
      Promise.all(participantIds.map((userId) => membershipOf(userId, message.conversationId))),
      Promise.all(participantIds.map((userId) => connectionsOf(userId))),
      membersAndProfiles([...participantIds, ...(message.mentions ?? [])]),
    ]);
    const messageView = await views.message(message, deps.clock(), profiles);
    const deliveries: Delivery[] = [];
    participantIds.forEach((userId, index) => {
      const membership = memberships[index];
      for (const { connectionId } of connectionsOfParticipants[index] ?? []) {
        if (userId !== message.senderId) {
          deliveries.push({
            userId,
            connectionId,
            push: { type: "message.created", conversationId: message.conversationId, message: messageView },
          });
        }
        if (membership) {
          deliveries.push({
            userId,
            connectionId,
            push: {
              type: "conversation.updated",
              conversationId: message.conversationId,
              unreadCount: membership.unreadCount,
              lastMessageAt: membership.lastMessageAt,
              lastMessagePreview: membership.lastMessagePreview,
            },
          });
        }
      }
    });
    return deliver(deliveries, members);
  }

  async function notificationCreated(change: StreamChange): Promise<FanoutSummary> {
    if (change.newImage?.notificationId === UNREAD_COUNTER_ID) return NOTHING;
    const notification = parseNewImage(change, notificationSchema);
    const [unreadCount, open, members] = await Promise.all([
      unreadCountOf(notification.userId),
      connectionsOf(notification.userId),
      membersAmong([notification.userId]),
    ]);
    const view = views.notification(notification);
    return deliver(
      open.map(({ connectionId }) => ({
        userId: notification.userId,
        connectionId,
        push: { type: "notification.created", notification: view, unreadCount },
      })),
      members,
    );
  }

  /**
   * The connections following the comment's item whose member may read it through REST:
   * `GET /comments/{itemId}` is for members (ApprovedUsers or Admins), as their groups were
   * when they connected; and who of them are members now.
   */
  async function readersOf(itemId: string) {
    const subscribers = await repositories.connections.subscribersOf(itemId);
    const readers = subscribers.filter((subscription) => isMember(subscription));
    return { readers, members: await membersAmong(readers.map((reader) => reader.userId)) };
  }

  async function commentChanged(change: StreamChange): Promise<FanoutSummary> {
    const comment = parseNewImage(change, commentSchema);
    const old = change.oldImage as Partial<Comment> | undefined;
    const { itemId, commentId } = comment;
    const kind = commentChangeOf(change.eventName, old, comment);
    if (!kind) return NOTHING;
    const [{ readers, members }, names] = await Promise.all([
      readersOf(itemId),
      kind === "comment.created" || kind === "comment.updated" ? mentionNamesOf(comment) : new Map(),
    ]);
    if (readers.length === 0) return NOTHING;
    const to = (push: RealtimePush, only?: (userId: string) => boolean): Delivery[] =>
      readers
        .filter((reader) => !only || only(reader.userId))
        .map((reader) => ({ userId: reader.userId, connectionId: reader.connectionId, itemId, push }));
    switch (kind) {
      case "comment.created":
        // Nobody has reacted to a comment that did not exist a moment ago.
        return deliver(
          to({ type: kind, itemId, comment: await views.comment(comment, null, names) }),
          members,
        );
      case "comment.deleted":
        return deliver(to({ type: kind, itemId, comment: views.commentDeletion(comment) }), members);
      case "reaction.changed":
        return deliver(
          to({
            type: kind,
            itemId,
            commentId,
            reactionCount: comment.reactionCount,
            reactionCounts: reactionCountsOf(comment),
          }),
          members,
        );
      case "comment.updated": {
        // Each viewer sees their own reaction: one batch read for all of them, one view per kind.
        const reactors = await repositories.reactions.reactorsAmong(
          commentId,
          readers.map((reader) => reader.userId),
        );
        const kinds = [null, ...new Set(reactors.values())];
        const shown = await Promise.all(kinds.map((reaction) => views.comment(comment, reaction, names)));
        return deliver(
          kinds.flatMap((reaction, index) =>
            to(
              { type: kind, itemId, comment: shown[index]! },
              (userId) => (reactors.get(userId) ?? null) === reaction,
            ),
          ),
          members,
        );
      }
    }
  }

  /**
   * A revocation (an admin's, a member taken out of the groups, a completed deletion) closes
   * the person's open connections and removes their records; each close is tried whatever the
   * others do, and a failure fails the record so the stream retries it (closing twice is harmless).
   */
  async function revocationRecorded(change: StreamChange): Promise<FanoutSummary> {
    const userId = change.newImage?.userId;
    if (typeof userId !== "string") return NOTHING;
    const open = await repositories.connections.connectionsOf(userId);
    const outcomes = await Promise.allSettled(
      open.map(async ({ connectionId }) => {
        await connectionsApi.close(connectionId);
        await repositories.connections.remove(userId, connectionId);
      }),
    );
    const failed = outcomes.find((outcome) => outcome.status === "rejected");
    if (failed) throw failed.reason;
    return { ...NOTHING, closed: open.length };
  }

  return async (change: StreamChange): Promise<FanoutSummary> => {
    if (change.table === "Revocations") return revocationRecorded(change);
    if (change.table === "Messages" && change.eventName === "INSERT") {
      return messageCreated(parseNewImage(change, messageSchema));
    }
    if (change.table === "Notifications" && change.eventName === "INSERT") return notificationCreated(change);
    if (change.table === "Comments") return commentChanged(change);
    return NOTHING;
  };
}

type CommentPushType = "comment.created" | "comment.updated" | "comment.deleted" | "reaction.changed";

/**
 * Which push a change of a comment is, if any. Edits, deletions and reaction counts each
 * change a comment in their own transaction, so a record is at most one of them; a change to
 * a comment deleted before (an erasure of its text) shows nobody anything new.
 */
export function commentChangeOf(
  eventName: StreamChange["eventName"],
  old: Partial<Comment> | undefined,
  comment: Comment,
): CommentPushType | undefined {
  if (eventName === "INSERT") return comment.deletedAt ? undefined : "comment.created";
  if (eventName !== "MODIFY" || !old) return undefined;
  if (comment.deletedAt) return old.deletedAt ? undefined : "comment.deleted";
  if (
    old.commentText !== comment.commentText ||
    old.version !== comment.version ||
    old.erasedAt !== comment.erasedAt ||
    old.userName !== comment.userName ||
    old.mentionsAddedAt !== comment.mentionsAddedAt
  ) {
    return "comment.updated";
  }
  // A switch of kind leaves the total as it was: the counts by kind tell it.
  const before = reactionCountsOf({ reactionCount: old.reactionCount ?? 0, ...old });
  const after = reactionCountsOf(comment);
  if (REACTION_KINDS.some((reaction) => before[reaction] !== after[reaction])) return "reaction.changed";
  return undefined;
}
