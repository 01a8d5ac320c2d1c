import { Logger } from "@aws-lambda-powertools/logger";
import { S3Client, type S3ClientConfig } from "@aws-sdk/client-s3";
import {
  ConfigurationError,
  CursorCodec,
  createDocumentClient,
  createRepositories,
  cursorSecretFromEnv,
  dynamoConfigFromEnv,
  isProductionStage,
  type Repositories,
  tableNamesFromEnv,
} from "@hearth/domain";
import { monotonicFactory } from "ulid";

/** Everything the API handlers use, built once per container and replaceable in tests. */
export interface ApiDependencies {
  repositories: Repositories;
  /** Signs attachment upload URLs (presigning is offline: no S3 call is made). */
  s3: S3Client;
  attachmentsBucket: string;
  /** Origins browsers may call the API from; `*` allows any. */
  allowedOrigins: readonly string[];
  logger: Logger;
  now: () => Date;
  /** Time-sortable ids (ULIDs) for upload keys and group conversations. */
  newId: () => string;
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

/** `https://a.example, https://b.example` → the list; empty when unset. */
export function allowedOriginsFromEnv(env: NodeJS.ProcessEnv = process.env): string[] {
  return (env.ALLOWED_ORIGINS ?? "")
    .split(",")
    .map((origin) => origin.trim().replace(/\/+$/, ""))
    .filter(Boolean);
}

const LOG_LEVELS = ["TRACE", "DEBUG", "INFO", "WARN", "ERROR", "CRITICAL", "SILENT"] as const;
type LogLevelName = (typeof LOG_LEVELS)[number];

export function createApiLogger(logLevel: string | undefined = "INFO"): Logger {
  const level = logLevel.toUpperCase();
  return new Logger({
    serviceName: "hearth-api",
    logLevel: (LOG_LEVELS as readonly string[]).includes(level) ? (level as LogLevelName) : "INFO",
  });
}

/**
 * The dependencies of a deployed (or locally run) function, from its environment: table
 * names, `STAGE`, `DYNAMODB_ENDPOINT`/`S3_ENDPOINT` (local only), `CURSOR_SECRET`,
 * `ALLOWED_ORIGINS`, `ATTACHMENTS_BUCKET`, `AWS_REGION`, `LOG_LEVEL`. A missing or unsafe
 * setting fails at start-up, not on the first request.
 */
export function apiDependenciesFromEnv(env: NodeJS.ProcessEnv = process.env): ApiDependencies {
  const attachmentsBucket = env.ATTACHMENTS_BUCKET;
  if (!attachmentsBucket) throw new ConfigurationError("ATTACHMENTS_BUCKET must be set");
  const tables = tableNamesFromEnv(env);
  const cursors = new CursorCodec(cursorSecretFromEnv(env));
  const doc = createDocumentClient(dynamoConfigFromEnv(env));
  return {
    repositories: createRepositories({ doc, tables, cursors }),
    s3: createS3Client(s3ConfigFromEnv(env)),
    attachmentsBucket,
    allowedOrigins: allowedOriginsFromEnv(env),
    logger: createApiLogger(env.LOG_LEVEL),
    now: () => new Date(),
    newId: monotonicFactory(),
  };
}
