import { S3Client, type S3ClientConfig } from "@aws-sdk/client-s3";
import { ConfigurationError, isProductionStage } from "@hearth/domain";

/** What the areas that presign attachment uploads need on top of the base dependencies. */
export interface UploadDependencies {
  /** Signs attachment upload URLs (presigning is offline: no S3 call is made). */
  s3: S3Client;
  attachmentsBucket: string;
}

export interface S3Config {
  stage: string;
  /** Only for a local S3 (s3rver); undefined in AWS. */
  endpoint?: string | undefined;
  region?: string | undefined;
  accessKeyId?: string | undefined;
  secretAccessKey?: string | undefined;
}

export function s3ConfigFromEnv(env: NodeJS.ProcessEnv = process.env): S3Config {
  return {
    stage: env.STAGE ?? env.NODE_ENV ?? "dev",
    endpoint: env.S3_ENDPOINT || undefined,
    region: env.AWS_REGION || env.AWS_DEFAULT_REGION || undefined,
    accessKeyId: env.AWS_ACCESS_KEY_ID || undefined,
    secretAccessKey: env.AWS_SECRET_ACCESS_KEY || undefined,
  };
}

/** S3 client options; like DynamoDB, a local endpoint is refused in production. */
export function s3ClientOptions(config: S3Config): S3ClientConfig {
  // Presigned PUTs must not carry an SDK checksum of an empty body, or browser uploads fail.
  const base: S3ClientConfig = { requestChecksumCalculation: "WHEN_REQUIRED" };
  if (!config.endpoint) return config.region ? { ...base, region: config.region } : base;
  if (isProductionStage(config.stage)) {
    throw new ConfigurationError(
      `Refusing to start: S3_ENDPOINT (${config.endpoint}) is set in the production stage "${config.stage}". ` +
        "A local endpoint is only for development and tests; unset it in production.",
    );
  }
  return {
    ...base,
    endpoint: config.endpoint,
    forcePathStyle: true,
    region: config.region ?? "us-east-1",
    // s3rver's default key pair unless the environment names one; it checks signatures.
    credentials: {
      accessKeyId: config.accessKeyId ?? "S3RVER",
      secretAccessKey: config.secretAccessKey ?? "S3RVER",
    },
  };
}

export function createS3Client(config: S3Config = s3ConfigFromEnv()): S3Client {
  return new S3Client(s3ClientOptions(config));
}

/**
 * The upload dependencies from the environment: `ATTACHMENTS_BUCKET`, `STAGE`,
 * `S3_ENDPOINT` (local only) and `AWS_REGION`.
 */
export function uploadDependenciesFromEnv(env: NodeJS.ProcessEnv = process.env): UploadDependencies {
  const attachmentsBucket = env.ATTACHMENTS_BUCKET;
  if (!attachmentsBucket) throw new ConfigurationError("ATTACHMENTS_BUCKET must be set");
  return { s3: createS3Client(s3ConfigFromEnv(env)), attachmentsBucket };
}
