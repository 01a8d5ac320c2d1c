import { S3Client } from "@aws-sdk/client-s3";
import { ConfigurationError, s3ClientOptionsFromEnv } from "@hearth/domain";
import { createProcessorTracer } from "./runtime.js";

/**
 * The files bucket and an S3 client from the environment: `ATTACHMENTS_BUCKET`, and
 * `S3_ENDPOINT` for a local S3 only (refused in production, like every local endpoint), with
 * timeouts that fit the function's.
 * Only the processors that touch the bucket import this, so no other bundle carries S3 code.
 */
export function filesBucketFromEnv(env: NodeJS.ProcessEnv = process.env): {
  client: S3Client;
  bucket: string;
} {
  const bucket = env.ATTACHMENTS_BUCKET?.trim();
  if (!bucket) throw new ConfigurationError("Missing environment variable ATTACHMENTS_BUCKET");
  return {
    client: createProcessorTracer().captureAWSv3Client(new S3Client(s3ClientOptionsFromEnv(env))),
    bucket,
  };
}
