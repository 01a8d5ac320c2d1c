import type { Comment, Message, Notification, ReactionKind } from "@hearth/domain";
import { servedMessages } from "../served.js";
import { type StorageDependencies, storageDependenciesFromEnv } from "../storage-dependencies.js";
import { commentView, type MentionNames, notificationView } from "../views.js";
import type { RealtimePush } from "./protocol.js";

export type { RealtimePush } from "./protocol.js";

type PushOf<T extends RealtimePush["type"]> = Extract<RealtimePush, { type: T }>;

/**
 * What the realtime fanout pushes, shown exactly as the REST API shows it (the same view
 * and serving code): messages with presigned download URLs, comments with the author's
 * photo served and the viewer's own reaction, feed entries without bookkeeping.
 * Presigning is offline; the fanout is granted the GETs it signs.
 */
export interface PushViews {
  /** `names`: the current names of whom it mentions (read by the fanout with its other reads). */
  message(message: Message, now: Date, names: MentionNames): Promise<PushOf<"message.created">["message"]>;
  /** A comment for the viewers whose own reaction is this kind or none (one view per answer, not per viewer). */
  comment(
    comment: Comment,
    viewerReaction: ReactionKind | null,
    names: MentionNames,
  ): Promise<PushOf<"comment.created">["comment"]>;
  commentDeletion(comment: Comment): PushOf<"comment.deleted">["comment"];
  notification(notification: Notification): PushOf<"notification.created">["notification"];
}

export function createPushViews(storage: Pick<StorageDependencies, "objectUrls" | "photos">): PushViews {
  return {
    async message(message, now, names) {
      const [view] = await servedMessages(storage, now, [message], {
        known: names,
        profiles: { getMany: async () => new Map() },
      });
      return view!;
    },
    async comment(comment, viewerReaction, names) {
      // As servedComments serves it, with the viewer's answer and the names already known.
      return commentView(comment, viewerReaction, await storage.photos.serve(comment.userPhotoUrl), names);
    },
    commentDeletion(comment) {
      return {
        itemId: comment.itemId,
        commentId: comment.commentId,
        deleted: true,
        ...(comment.deletedAt ? { deletedAt: comment.deletedAt } : {}),
      };
    },
    notification: notificationView,
  };
}

/** The views with the files bucket's signer from the environment (`ATTACHMENTS_BUCKET`, `S3_ENDPOINT` locally). */
export function pushViewsFromEnv(env: NodeJS.ProcessEnv = process.env): PushViews {
  return createPushViews(storageDependenciesFromEnv(env));
}
