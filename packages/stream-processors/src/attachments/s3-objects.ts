import {
  DeleteObjectsCommand,
  NoSuchKey,
  PutObjectTaggingCommand,
  S3Client,
  type S3ClientConfig,
  S3ServiceException,
} from "@aws-sdk/client-s3";
import { ConfigurationError, isProductionStage, UPLOAD_STATE_TAG, UPLOAD_STATES } from "@hearth/domain";
import { createProcessorTracer } from "../dependencies.js";
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

/**
 * The attachment objects from the environment: `ATTACHMENTS_BUCKET`, and `S3_ENDPOINT` for a
 * local S3 only (refused in production, like every local endpoint).
 */
export function attachmentObjectsFromEnv(env: NodeJS.ProcessEnv = process.env): AttachmentObjects {
  const bucket = env.ATTACHMENTS_BUCKET?.trim();
  if (!bucket) throw new ConfigurationError("Missing environment variable ATTACHMENTS_BUCKET");
  const stage = env.STAGE ?? env.NODE_ENV ?? "dev";
  const endpoint = env.S3_ENDPOINT || undefined;
  const region = env.AWS_REGION || env.AWS_DEFAULT_REGION || undefined;
  let config: S3ClientConfig = region ? { region } : {};
  if (endpoint) {
    if (isProductionStage(stage)) {
      throw new ConfigurationError(
        `Refusing to start: S3_ENDPOINT (${endpoint}) is set in the production stage "${stage}". ` +
          "A local endpoint is only for development and tests; unset it in production.",
      );
    }
    config = {
      endpoint,
      forcePathStyle: true,
      region: region ?? "us-east-1",
      credentials: {
        accessKeyId: env.AWS_ACCESS_KEY_ID || "S3RVER",
        secretAccessKey: env.AWS_SECRET_ACCESS_KEY || "S3RVER",
      },
    };
  }
  return s3AttachmentObjects(createProcessorTracer().captureAWSv3Client(new S3Client(config)), bucket);
}
