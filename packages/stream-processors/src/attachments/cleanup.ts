import { messageSchema } from "@hearth/domain";
import type { StreamChange } from "../stream-change.js";

/** Deletes objects of the files bucket; the S3 implementation lives in `s3-objects.ts`. */
export interface AttachmentObjects {
  /** Deletes every key (a missing one is no error), or throws so the record is retried. */
  deleteObjects(keys: readonly string[]): Promise<void>;
}

export interface CleanupSummary {
  deletedObjects: number;
}

/**
 * Removes the stored files of a message its sender deleted. The message's old image (the
 * stream is NEW_AND_OLD_IMAGES) still lists the attachments the API just cleared, so the
 * API function needs no S3 delete right and no S3 client, and a failed delete is retried
 * by the event source mapping and ends in the dead-letter queue, never silently lost.
 * Deleting an object twice is harmless, so redeliveries are safe.
 */
export function createAttachmentCleaner(deps: {
  attachmentObjects?: AttachmentObjects | undefined;
}): (change: StreamChange) => Promise<CleanupSummary> {
  return async (change) => {
    if (change.table !== "Messages" || change.eventName !== "MODIFY") return { deletedObjects: 0 };
    const before = messageSchema.safeParse(change.oldImage);
    const deletedNow = change.newImage?.deleted === true && before.success && before.data.deleted !== true;
    if (!deletedNow) return { deletedObjects: 0 };
    const keys = before.data.attachments.map((attachment) => attachment.s3Key);
    if (keys.length === 0) return { deletedObjects: 0 };
    if (!deps.attachmentObjects) throw new Error("The attachment cleanup processor needs attachmentObjects");
    await deps.attachmentObjects.deleteObjects(keys);
    return { deletedObjects: keys.length };
  };
}
