import { DeleteObjectsCommand, S3Client, type S3ClientConfig } from "@aws-sdk/client-s3";
import { ConfigurationError, isProductionStage } from "@hearth/domain";
import type { AttachmentObjects } from "./cleanup.js";

/** S3's limit of keys per DeleteObjects request. */
const DELETE_BATCH = 1000;

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

/** Attachment objects in the files bucket. */
export function s3AttachmentObjects(client: S3Client, bucket: string): AttachmentObjects {
  return { deleteObjects: (keys) => deleteObjectKeys(client, bucket, keys) };
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
  return s3AttachmentObjects(new S3Client(config), bucket);
}
