/**
 * Attachment uploads carry an S3 object tag saying whether a message references them: the
 * API's presigned PUT sets `pending`, the attachments processor sets `sent` when a message
 * that references the upload is created, and the bucket's lifecycle rule deletes objects
 * still `pending` after `PENDING_UPLOAD_EXPIRY_DAYS`. Profile photo uploads are tagged the same
 * way: pending from their presigned PUT, `sent` once a profile takes one (the attachments
 * processor, off the profile's mark), so a photo never used expires too.
 */
export const UPLOAD_STATE_TAG = "hearth-upload";
export const UPLOAD_STATES = { pending: "pending", sent: "sent" } as const;
export const PENDING_UPLOAD_EXPIRY_DAYS = 1;
