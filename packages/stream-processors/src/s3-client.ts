import { S3Client, type S3ClientConfig } from "@aws-sdk/client-s3";
import { ConfigurationError, isProductionStage } from "@hearth/domain";
import { createProcessorTracer } from "./runtime.js";

/**
 * The files bucket and an S3 client from the environment: `ATTACHMENTS_BUCKET`, and
 * `S3_ENDPOINT` for a local S3 only (refused in production, like every local endpoint).
 * Only the processors that touch the bucket import this, so no other bundle carries S3 code.
 */
export function filesBucketFromEnv(env: NodeJS.ProcessEnv = process.env): {
  client: S3Client;
  bucket: string;
} {
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
  return { client: createProcessorTracer().captureAWSv3Client(new S3Client(config)), bucket };
}
