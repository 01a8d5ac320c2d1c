import {
  DeleteObjectsCommand,
  ListObjectsV2Command,
  NoSuchKey,
  PutObjectTaggingCommand,
  type S3Client,
  S3ServiceException,
} from "@aws-sdk/client-s3";
import { UPLOAD_STATE_TAG, UPLOAD_STATES } from "@hearth/domain";
import { photoPrefix } from "@hearth/views/photos";
import { filesBucketFromEnv } from "../s3-client.js";
import type { AttachmentObjects } from "./cleanup.js";

/** S3's limit of keys per DeleteObjects request. */
const DELETE_BATCH = 1000;

/** The tag of an upload a message references: the bucket's expiry of pending uploads spares it. */
const SENT_UPLOAD_TAG = { Key: UPLOAD_STATE_TAG, Value: UPLOAD_STATES.sent };

function isMissingObject(error: unknown): boolean {
  return (
    error instanceof NoSuchKey ||
    (error instanceof S3ServiceException &&
      (error.name === "NoSuchKey" || error.$metadata.httpStatusCode === 404))
  );
}

/** Deletes keys of a bucket with DeleteObjects (quiet mode: only failures come back), 1000 a call. */
export async function deleteObjectKeys(
  client: S3Client,
  bucket: string,
  keys: readonly string[],
): Promise<void> {
  for (let start = 0; start < keys.length; start += DELETE_BATCH) {
    const chunk = keys.slice(start, start + DELETE_BATCH);
    const output = await client.send(
      new DeleteObjectsCommand({
        Bucket: bucket,
        Delete: { Objects: chunk.map((Key) => ({ Key })), Quiet: true },
      }),
    );
    const failed = output.Errors ?? [];
    if (failed.length > 0) {
      const codes = [...new Set(failed.map((error) => error.Code ?? "unknown"))].join(", ");
      throw new Error(`Could not delete ${failed.length} object(s) of ${bucket}: ${codes}`);
    }
  }
}

/** Where a member's data exports are stored in the files bucket. */
export function exportPrefixOf(userId: string): string {
  return `exports/${userId}/`;
}

/** Deletes every object under `prefix`, a listed page at a time; returns how many there were. */
async function deleteUnderPrefix(client: S3Client, bucket: string, prefix: string): Promise<number> {
  let deleted = 0;
  let continuationToken: string | undefined;
  do {
    const page = await client.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: continuationToken }),
    );
    const keys = (page.Contents ?? []).flatMap((object) => (object.Key ? [object.Key] : []));
    await deleteObjectKeys(client, bucket, keys);
    deleted += keys.length;
    continuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (continuationToken);
  return deleted;
}

/** Attachment objects in the files bucket: deleted with DeleteObjects, retagged sent one by one. */
export function s3AttachmentObjects(client: S3Client, bucket: string): AttachmentObjects {
  return {
    deleteObjects: (keys) => deleteObjectKeys(client, bucket, keys),
    async deleteMemberFiles(userId) {
      const counts = await Promise.all([
        deleteUnderPrefix(client, bucket, exportPrefixOf(userId)),
        deleteUnderPrefix(client, bucket, photoPrefix(userId)),
      ]);
      return counts[0] + counts[1];
    },
    async markSent(keys) {
      // One key per PutObjectTagging; a message has at most 10 attachments, so all at once.
      const tagged = await Promise.all(
        keys.map(async (Key) => {
          try {
            await client.send(
              new PutObjectTaggingCommand({ Bucket: bucket, Key, Tagging: { TagSet: [SENT_UPLOAD_TAG] } }),
            );
            return true;
          } catch (error) {
            // Referenced but never uploaded (or already removed): nothing to keep.
            if (isMissingObject(error)) return false;
            throw error;
          }
        }),
      );
      return tagged.filter(Boolean).length;
    },
  };
}

/** The attachment objects of the files bucket named by the environment (see `filesBucketFromEnv`). */
export function attachmentObjectsFromEnv(env: NodeJS.ProcessEnv = process.env): AttachmentObjects {
  const { client, bucket } = filesBucketFromEnv(env);
  return s3AttachmentObjects(client, bucket);
}
