import { DeleteObjectsCommand, type S3Client } from "@aws-sdk/client-s3";
import { filesBucketFromEnv } from "../s3-client.js";
import type { AttachmentObjects } from "./cleanup.js";

/** S3's limit of keys per DeleteObjects request. */
const DELETE_BATCH = 1000;

/** Attachment objects in the files bucket, deleted with DeleteObjects (quiet mode: only failures come back). */
export function s3AttachmentObjects(client: S3Client, bucket: string): AttachmentObjects {
  return {
    async deleteObjects(keys) {
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
          throw new Error(`Could not delete ${failed.length} attachment object(s): ${codes}`);
        }
      }
    },
  };
}

/** The attachment objects of the files bucket named by the environment (see `filesBucketFromEnv`). */
export function attachmentObjectsFromEnv(env: NodeJS.ProcessEnv = process.env): AttachmentObjects {
  const { client, bucket } = filesBucketFromEnv(env);
  return s3AttachmentObjects(client, bucket);
}
