import {
  commentSchema,
  isDeleted,
  messageSchema,
  type ProfilesRepository,
  reactionSchema,
} from "@hearth/domain";
import { parseNewImage, type StreamChange } from "../stream-change.js";

export interface ActivitySummary {
  userId: string | null;
  commentCountDelta: number;
  lastActiveMoved: boolean;
}

export interface ActivityAggregatorDependencies {
  repositories: { profiles: ProfilesRepository };
}

/**
 * Keeps `commentCount` and `lastActive` on profiles. `lastActive` only moves forward (late
 * or out-of-order events change nothing), so it is written first; the counter `ADD`, the
 * one step that must not repeat, comes last, so a failure before it leaves nothing to undo.
 */
export function createActivityAggregator(
  deps: ActivityAggregatorDependencies,
): (change: StreamChange) => Promise<ActivitySummary> {
  const { profiles } = deps.repositories;
  const none: ActivitySummary = { userId: null, commentCountDelta: 0, lastActiveMoved: false };

  async function record(
    userId: string,
    at: string | null,
    commentCountDelta: number,
  ): Promise<ActivitySummary> {
    const lastActiveMoved = at ? await profiles.touchLastActive(userId, at) : false;
    if (commentCountDelta !== 0) await profiles.addToCommentCount(userId, commentCountDelta);
    return { userId, commentCountDelta, lastActiveMoved };
  }

  return async (change) => {
    if (change.eventName === "REMOVE") return none;
    if (change.table === "Comments") {
      const comment = parseNewImage(change, commentSchema);
      if (change.eventName === "INSERT") return record(comment.userId, comment.createdAt, 1);
      const wasDeleted = change.oldImage?.deletedAt !== undefined;
      // Erased with its author's account: their profile is going, and a count written now
      // would bring back a row of theirs after it is gone.
      if (comment.erasedAt !== undefined) return none;
      // The comment's author loses it from their count, whoever deleted it.
      return isDeleted(comment) && !wasDeleted ? record(comment.userId, null, -1) : none;
    }
    if (change.eventName !== "INSERT") return none;
    if (change.table === "CommentReactions") {
      const reaction = parseNewImage(change, reactionSchema);
      return record(reaction.userId, reaction.createdAt, 0);
    }
    if (change.table === "Messages") {
      const message = parseNewImage(change, messageSchema);
      return record(message.senderId, message.createdAt, 0);
    }
    return none;
  };
}
