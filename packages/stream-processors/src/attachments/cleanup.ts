import { type PhotoMarksRepository, UNCONFIRMED_PHOTO_KEY } from "@hearth/domain";
import * as z from "zod/mini";
import type { StreamChange } from "../stream-change.js";

/** Objects of the files bucket; the S3 implementation lives in `s3-objects.ts`. */
export interface AttachmentObjects {
  /** Deletes every key (a missing one is no error), or throws so the record is retried. */
  deleteObjects(keys: readonly string[]): Promise<void>;
  /**
   * Tags every key as sent (`hearth-upload=sent`), so the bucket's expiry of pending uploads
   * spares it; a key with no object is skipped and not counted. Throws so the record is retried.
   * Returns how many objects were tagged.
   */
  markSent(keys: readonly string[]): Promise<number>;
  /**
   * Deletes every file of a deleted member: their data exports (`exports/{userId}/`) and every
   * profile photo they uploaded, current or replaced (`profile-photos/{userId}/`); returns how
   * many there were.
   */
  deleteMemberFiles(userId: string): Promise<number>;
}

export interface CleanupSummary {
  deletedObjects: number;
  /** Uploads a new message references, retagged from pending to sent. */
  sentObjects?: number;
}

/** The part of the attachments processor that reaches the files bucket, and the profiles whose photos it keeps. */
export interface AttachmentCleanerDependencies {
  attachmentObjects: AttachmentObjects;
  photoMarks: Pick<PhotoMarksRepository, "confirm">;
}

/**
 * The part of a message image this processor reads: its files and whether it was deleted.
 * zod's tree-shakable build, for just this: the full entity schemas would weigh ~90 KiB in
 * a bundle that needs none of the rest.
 */
const messageFiles = z.object({
  attachments: z.array(z.object({ s3Key: z.string().check(z.minLength(1)) })),
  deleted: z.optional(z.boolean()),
});

/**
 * A new message's uploads are no longer pending: retagging them `sent` keeps them from the
 * bucket's one-day expiry of uploads no message references. Tagging twice is harmless.
 */
async function markAttachmentsSent(
  change: StreamChange,
  objects: AttachmentObjects,
): Promise<CleanupSummary> {
  const message = messageFiles.safeParse(change.newImage);
  const keys = message.success ? message.data.attachments.map((attachment) => attachment.s3Key) : [];
  if (keys.length === 0) return { deletedObjects: 0, sentObjects: 0 };
  return { deletedObjects: 0, sentObjects: await objects.markSent(keys) };
}

/**
 * Keeps the bucket in step with the messages: the uploads of a new message are tagged sent
 * (see `markAttachmentsSent`), and the stored files of a message its sender deleted are
 * removed. The message's old image (the
 * stream is NEW_AND_OLD_IMAGES) still lists the attachments the API just cleared, so the
 * API function needs no S3 delete right and no S3 client, and a failed delete is retried
 * by the event source mapping and ends in the dead-letter queue, never silently lost.
 * Deleting an object twice is harmless, so redeliveries are safe.
 */
export function createAttachmentCleaner(
  deps: AttachmentCleanerDependencies,
): (change: StreamChange) => Promise<CleanupSummary> {
  return async (change) => {
    // A profile replaced by its tombstone (an account deletion): the member's data exports and
    // photos go with it (this is the processor holding the bucket's client, so the deletion
    // worker needs none).
    if (change.table === "UserProfiles") {
      const tombstoned =
        typeof change.newImage?.deletedAt === "string" && change.oldImage?.deletedAt === undefined;
      const userId = change.newImage?.userId;
      if (typeof userId !== "string") return { deletedObjects: 0 };
      if (tombstoned) return { deletedObjects: await deps.attachmentObjects.deleteMemberFiles(userId) };
      // A photo the profile took: its upload is kept (no longer pending), then the mark goes.
      const photoKey = change.newImage?.[UNCONFIRMED_PHOTO_KEY];
      if (typeof photoKey !== "string") return { deletedObjects: 0 };
      const sentObjects = await deps.attachmentObjects.markSent([photoKey]);
      await deps.photoMarks.confirm(userId, photoKey);
      return { deletedObjects: 0, sentObjects };
    }
    if (change.table !== "Messages") return { deletedObjects: 0 };
    if (change.eventName === "INSERT") return markAttachmentsSent(change, deps.attachmentObjects);
    if (change.eventName !== "MODIFY") return { deletedObjects: 0 };
    const before = messageFiles.safeParse(change.oldImage);
    const deletedNow = change.newImage?.deleted === true && before.success && before.data.deleted !== true;
    if (!deletedNow) return { deletedObjects: 0 };
    const keys = before.data.attachments.map((attachment) => attachment.s3Key);
    if (keys.length === 0) return { deletedObjects: 0 };
    await deps.attachmentObjects.deleteObjects(keys);
    return { deletedObjects: keys.length };
  };
}
