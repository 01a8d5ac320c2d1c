import { processorManifest } from "../processor-manifest.js";
import { inserts, messageDeletions, tombstones, uploadedPhotos } from "../stream-subscriptions.js";

/** Retags the uploads of sent messages, deletes the files of deleted ones and a deleted member's exports and photos. */
export const attachmentsManifest = processorManifest("attachments", import.meta.url, {
  description: "stream processor: attachment cleanup",
  // UserProfiles: clears the mark of a photo once its upload is retagged as kept.
  tables: { IdempotencyRecords: "readWrite", UserProfiles: "readUpdate" },
  files: [
    {
      prefix: "attachments/",
      actions: ["s3:DeleteObject", "s3:PutObjectTagging"],
      reason:
        "A message's attachment keys are known only from the stream record, so the delete and retag rights cover the attachments prefix only.",
    },
    {
      prefix: "exports/",
      actions: ["s3:ListBucket", "s3:DeleteObject"],
      reason:
        "A deleted member's exports are listed under exports/<member>/ when their profile goes, so the delete right covers the exports prefix only.",
    },
    {
      prefix: "profile-photos/",
      actions: ["s3:ListBucket", "s3:DeleteObject", "s3:PutObjectTagging"],
      reason:
        "A photo a profile took is retagged as kept (its key is known only from the stream record), and a deleted member's uploaded photos (the current one and every replaced one) are listed under profile-photos/<member>/ when their profile goes, so the rights cover the photos prefix only.",
    },
  ],
  subscriptions: [
    // Every new message: its uploads are retagged sent. (Not narrowed to messages with files:
    // a pattern reaching into the attachments list is not one Lambda's filtering is
    // documented to match, and a miss would let the pending-upload expiry delete sent files.)
    { table: "Messages", filterPatterns: [inserts, messageDeletions] },
    // A profile replaced by its tombstone (the last data step of an account deletion): the
    // member's data exports and uploaded photos are deleted.
    // A profile that took an uploaded photo: the upload is retagged as kept (it was pending).
    { table: "UserProfiles", filterPatterns: [tombstones, uploadedPhotos] },
  ],
  settings: ["filesBucket"],
});
