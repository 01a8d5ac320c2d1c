import type { Comment, Message, Notification, ReactionKind } from "@hearth/domain";
import { servedMessages } from "../served.js";
import { type StorageDependencies, storageDependenciesFromEnv } from "../storage-dependencies.js";
import { commentView, notificationView } from "../views.js";
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
  message(message: Message, now: Date): Promise<PushOf<"message.created">["message"]>;
  /** A comment for the viewers whose own reaction is this kind or none (one view per answer, not per viewer). */
  comment(
    comment: Comment,
    viewerReaction: ReactionKind | null,
  ): Promise<PushOf<"comment.created">["comment"]>;
  commentDeletion(comment: Comment): PushOf<"comment.deleted">["comment"];
  notification(notification: Notification): PushOf<"notification.created">["notification"];
}

export function createPushViews(storage: Pick<StorageDependencies, "objectUrls" | "photos">): PushViews {
  return {
    async message(message, now) {
      const [view] = await servedMessages(storage, now, [message]);
      return view!;
    },
    async comment(comment, viewerReaction) {
      // As servedComments serves it, with the viewer's answer already known.
      return commentView(comment, viewerReaction, await storage.photos.serve(comment.userPhotoUrl));
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
