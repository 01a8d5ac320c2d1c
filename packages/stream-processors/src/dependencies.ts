import { DynamoDBPersistenceLayer } from "@aws-lambda-powertools/idempotency/dynamodb";
import type { BasePersistenceLayer } from "@aws-lambda-powertools/idempotency/persistence";
import type { Logger } from "@aws-lambda-powertools/logger";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { SESClient, type SESClientConfig } from "@aws-sdk/client-ses";
import {
  ConfigurationError,
  dynamoClientOptions,
  dynamoConfigFromEnv,
  type InvocationTracer,
  isProductionStage,
  type Repositories,
  sdkClientTimeouts,
  type TableNames,
  tableSpec,
} from "@hearth/domain";
import type { AttachmentObjects } from "./attachments/cleanup.js";
import {
  coreProcessorDependenciesFromEnv,
  createProcessorTracer,
  type ProcessorMetrics,
  repositoriesFromEnv,
} from "./runtime.js";

export {
  coreProcessorDependenciesFromEnv,
  createProcessorTracer,
  type ProcessorMetrics,
  processorMetricsFromEnv,
  repositoriesFromEnv,
} from "./runtime.js";

/** Stream records are kept 24 hours, so a redelivery can come no later than that. */
export const IDEMPOTENCY_EXPIRY_SECONDS = 24 * 60 * 60;
export const DEFAULT_NOTIFICATION_WINDOW_MINUTES = 15;

export interface IdempotencyDependencies {
  /**
   * A fresh persistence layer for each processor: Powertools keeps the key prefix on the
   * layer instance, so two processors must not share one.
   */
  createPersistenceLayer(): BasePersistenceLayer;
  /** How long a processed record's idempotency entry is kept (its TTL). */
  expiresAfterSeconds: number;
}

/** Everything the processors use, built once per container and replaceable in tests. */
export interface ProcessorDependencies {
  repositories: Repositories;
  /** Physical table names, to tell which table a stream record came from. */
  tables: TableNames;
  ses: SESClient;
  idempotency: IdempotencyDependencies;
  /** The verified SES identity emails are sent from. */
  senderEmail: string;
  /**
   * The SES configuration set every email goes through (`SES_CONFIGURATION_SET`), whose
   * bounce and complaint events suppress addresses; unset, SES sends without one.
   */
  sesConfigurationSet?: string | undefined;
  /** Base URL of the website, for links in emails (no trailing slash needed). */
  siteUrl: string;
  /** At most one email per recipient per kind within this many seconds. */
  notificationWindowSeconds: number;
  logger: Logger;
  metrics: ProcessorMetrics;
  /** X-Ray: each batch runs in a subsegment named after the processor; SDK calls are captured. */
  tracer: InvocationTracer;
  clock: () => Date;
  /**
   * The attachment objects of deleted messages are removed through this; only the
   * attachments processor has it (its entry adds it), so no other bundle carries S3 code.
   */
  attachmentObjects?: AttachmentObjects;
}

function required(env: NodeJS.ProcessEnv, name: string): string {
  const value = env[name]?.trim();
  if (!value) throw new ConfigurationError(`Missing environment variable ${name}`);
  return value;
}

function notificationWindowMinutes(env: NodeJS.ProcessEnv): number {
  const raw = env.NOTIFICATION_WINDOW_MINUTES?.trim();
  if (!raw) return DEFAULT_NOTIFICATION_WINDOW_MINUTES;
  const minutes = Number(raw);
  if (!Number.isFinite(minutes) || minutes < 0) {
    throw new ConfigurationError(`NOTIFICATION_WINDOW_MINUTES must be a number of minutes ≥ 0, not "${raw}"`);
  }
  return minutes;
}

function siteUrl(env: NodeJS.ProcessEnv): string {
  const value = required(env, "SITE_URL");
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigurationError(`SITE_URL must be an absolute URL, not "${value}"`);
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw new ConfigurationError(`SITE_URL must be an http(s) URL, not "${value}"`);
  }
  return value.replace(/\/+$/, "");
}

/**
 * SES options: the default credential chain in AWS; a local SES only when configured, never
 * in production; timeouts and retries that fit in the function's time.
 */
export function sesClientOptions(
  stage: string,
  endpoint: string | undefined,
  region?: string,
  functionTimeoutSeconds?: number,
): SESClientConfig {
  const timeouts = sdkClientTimeouts(functionTimeoutSeconds);
  if (!endpoint) return region ? { ...timeouts, region } : timeouts;
  if (isProductionStage(stage)) {
    throw new ConfigurationError(
      `Refusing to start: SES_ENDPOINT (${endpoint}) is set in the production stage "${stage}". ` +
        "A local SES is only for development and tests; unset it in production.",
    );
  }
  return {
    ...timeouts,
    endpoint,
    region: region ?? "local",
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
  };
}

/** What every processor's pipeline needs (no email settings, no SES client). */
export type BaseProcessorDependencies = Omit<
  ProcessorDependencies,
  | "ses"
  | "senderEmail"
  | "sesConfigurationSet"
  | "siteUrl"
  | "notificationWindowSeconds"
  | "attachmentObjects"
>;

/** What the shared pipeline needs (idempotency, logs, metrics, traces): no repositories. */
export type PipelineDependencies = Omit<BaseProcessorDependencies, "repositories">;

/**
 * The pipeline's dependencies from the function environment: table names, `STAGE`,
 * `DYNAMODB_ENDPOINT` (local only), `FUNCTION_TIMEOUT_SECONDS`, `AWS_REGION`, `LOG_LEVEL` and
 * `POWERTOOLS_METRICS_NAMESPACE` (metrics are emitted only when set). It builds no
 * repositories, so a processor that reads nothing but the stream record (attachments)
 * bundles none of them.
 */
export function pipelineDependenciesFromEnv(env: NodeJS.ProcessEnv = process.env): PipelineDependencies {
  const core = coreProcessorDependenciesFromEnv(env);
  const dynamoConfig = dynamoConfigFromEnv(env);
  // Powertools writes marshalled items itself, so it gets a plain client with the same settings.
  const idempotencyClient = createProcessorTracer().captureAWSv3Client(
    new DynamoDBClient(dynamoClientOptions(dynamoConfig)),
  );
  const idempotencySpec = tableSpec("IdempotencyRecords");
  return {
    ...core,
    idempotency: {
      createPersistenceLayer: () =>
        new DynamoDBPersistenceLayer({
          tableName: core.tables.IdempotencyRecords,
          keyAttr: idempotencySpec.partitionKey.name,
          expiryAttr: idempotencySpec.timeToLiveAttribute ?? "expiration",
          awsSdkV3Client: idempotencyClient,
        }),
      expiresAfterSeconds: IDEMPOTENCY_EXPIRY_SECONDS,
    },
  };
}

/** The job workers' pipeline: everything but the idempotency store (the job record is theirs). */
/**
 * The pipeline's dependencies plus the repositories, from the same environment. It builds
 * no SES client, so a processor that sends no email bundles none.
 */
export function baseProcessorDependenciesFromEnv(
  env: NodeJS.ProcessEnv = process.env,
): BaseProcessorDependencies {
  return { ...pipelineDependenciesFromEnv(env), repositories: repositoriesFromEnv(env) };
}

/**
 * Builds the processors' dependencies from the function environment: the base ones plus
 * `SES_ENDPOINT` (local only), `SENDER_EMAIL`, `SES_CONFIGURATION_SET` (optional), `SITE_URL` and `NOTIFICATION_WINDOW_MINUTES`
 * (default 15). A missing or unsafe setting fails at startup with a message naming it.
 */
export function processorDependenciesFromEnv(env: NodeJS.ProcessEnv = process.env): ProcessorDependencies {
  const base = baseProcessorDependenciesFromEnv(env);
  const dynamoConfig = dynamoConfigFromEnv(env);
  return {
    ...base,
    ses: createProcessorTracer().captureAWSv3Client(
      new SESClient(
        sesClientOptions(
          dynamoConfig.stage,
          env.SES_ENDPOINT || undefined,
          dynamoConfig.region,
          dynamoConfig.functionTimeoutSeconds,
        ),
      ),
    ),
    senderEmail: required(env, "SENDER_EMAIL"),
    sesConfigurationSet: env.SES_CONFIGURATION_SET?.trim() || undefined,
    siteUrl: siteUrl(env),
    notificationWindowSeconds: notificationWindowMinutes(env) * 60,
  };
}
