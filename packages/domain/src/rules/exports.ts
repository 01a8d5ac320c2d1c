/**
 * Data exports: where the export document lives in the files bucket and how long.
 * The worker writes it, the API signs its download, infra grants both and expires the prefix.
 */
export const EXPORT_KEY_PREFIX = "exports/";
export const EXPORT_FILE_NAME = "hearth-export.json";
/** Bumped when the document's shape changes in a way a reader would notice. */
export const EXPORT_SCHEMA_VERSION = 1;
/** Export objects are removed by an S3 lifecycle rule this many days after they were written. */
export const EXPORT_RETENTION_DAYS = 7;
/** How long a download link handed out by the API stays valid. */
export const EXPORT_DOWNLOAD_URL_SECONDS = 24 * 60 * 60;

/** `exports/{userId}/{jobId}/hearth-export.json`: one object per export job, under its member's prefix. */
export function exportObjectKey(userId: string, jobId: string): string {
  return `${EXPORT_KEY_PREFIX}${userId}/${jobId}/${EXPORT_FILE_NAME}`;
}

/** Whether `key` is an export object of `userId` (a job's result is only ever signed for its owner's prefix). */
export function isExportKeyOf(userId: string, key: string): boolean {
  return key.startsWith(`${EXPORT_KEY_PREFIX}${userId}/`) && !key.includes("..");
}
