import { randomBytes } from "node:crypto";
import { DynamoDBPersistenceLayer } from "@aws-lambda-powertools/idempotency/dynamodb";
import type { BasePersistenceLayer } from "@aws-lambda-powertools/idempotency/persistence";
import { Logger } from "@aws-lambda-powertools/logger";
import type { LogLevel } from "@aws-lambda-powertools/logger/types";
import { Metrics } from "@aws-lambda-powertools/metrics";
import { Tracer } from "@aws-lambda-powertools/tracer";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { SESClient, type SESClientConfig } from "@aws-sdk/client-ses";
import {
  ConfigurationError,
  CursorCodec,
  createDocumentClient,
  createRepositories,
  dynamoClientOptions,
  dynamoConfigFromEnv,
  type InvocationTracer,
  isProductionStage,
  type Repositories,
  sdkClientTimeouts,
  type TableNames,
  tableNamesFromEnv,
  tableSpec,
} from "@hearth/domain";
import type { AttachmentObjects } from "./attachments/cleanup.js";

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
/**
 * What the processors count, published as CloudWatch metrics (EMF) once per batch: the
 * shape of Powertools Metrics that they use, so tests can record instead.
 */
export interface ProcessorMetrics {
  addMetric(name: string, unit: "Count", value: number): void;
  publishStoredMetrics(): void;
}

/** The namespace is per environment (`POWERTOOLS_METRICS_NAMESPACE`, set by the stacks). */
export function processorMetricsFromEnv(env: NodeJS.ProcessEnv): ProcessorMetrics {
  const namespace = env.POWERTOOLS_METRICS_NAMESPACE?.trim();
  // Without a namespace (local stack, tests) nothing is emitted: EMF lines would only be noise.
  if (!namespace) return { addMetric: () => {}, publishStoredMetrics: () => {} };
  const metrics = new Metrics({ namespace, serviceName: "hearth-stream-processors" });
  return {
    addMetric: (name, unit, value) => metrics.addMetric(name, unit, value),
    publishStoredMetrics: () => metrics.publishStoredMetrics(),
  };
}

export interface ProcessorDependencies {
  repositories: Repositories;
  /** Physical table names, to tell which table a stream record came from. */
  tables: TableNames;
  ses: SESClient;
  idempotency: IdempotencyDependencies;
  /** The verified SES identity emails are sent from. */
  senderEmail: string;
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
  "ses" | "senderEmail" | "siteUrl" | "notificationWindowSeconds" | "attachmentObjects"
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
  const tables = tableNamesFromEnv(env);
  const dynamoConfig = dynamoConfigFromEnv(env);
  const tracer = createProcessorTracer();
  // Powertools writes marshalled items itself, so it gets a plain client with the same settings.
  const idempotencyClient = tracer.captureAWSv3Client(new DynamoDBClient(dynamoClientOptions(dynamoConfig)));
  const idempotencySpec = tableSpec("IdempotencyRecords");
  return {
    tables,
    idempotency: {
      createPersistenceLayer: () =>
        new DynamoDBPersistenceLayer({
          tableName: tables.IdempotencyRecords,
          keyAttr: idempotencySpec.partitionKey.name,
          expiryAttr: idempotencySpec.timeToLiveAttribute ?? "expiration",
          awsSdkV3Client: idempotencyClient,
        }),
      expiresAfterSeconds: IDEMPOTENCY_EXPIRY_SECONDS,
    },
    logger: new Logger({
      serviceName: "hearth-stream-processors",
      logLevel: (env.LOG_LEVEL?.trim().toUpperCase() || "INFO") as LogLevel,
    }),
    metrics: processorMetricsFromEnv(env),
    tracer,
    clock: () => new Date(),
  };
}

/**
 * The pipeline's dependencies plus the repositories, from the same environment. It builds
 * no SES client, so a processor that sends no email bundles none.
 */
export function baseProcessorDependenciesFromEnv(
  env: NodeJS.ProcessEnv = process.env,
): BaseProcessorDependencies {
  const pipeline = pipelineDependenciesFromEnv(env);
  // The document client shares its middleware with the client below it: both are traced.
  const doc = createProcessorTracer().captureAWSv3Client(createDocumentClient(dynamoConfigFromEnv(env)));
  return {
    ...pipeline,
    // The processors never list anything, so no cursor they could sign ever leaves them.
    repositories: createRepositories({
      doc,
      tables: pipeline.tables,
      cursors: new CursorCodec(randomBytes(32).toString("hex")),
    }),
  };
}

/**
 * The processors' tracer (one per container): active in Lambda (the stacks turn on X-Ray
 * active tracing), a no-op outside it or with `POWERTOOLS_TRACE_ENABLED=false`.
 */
let processorTracer: Tracer | undefined;
export function createProcessorTracer(): Tracer {
  processorTracer ??= new Tracer({ serviceName: "hearth-stream-processors" });
  return processorTracer;
}

/**
 * Builds the processors' dependencies from the function environment: the base ones plus
 * `SES_ENDPOINT` (local only), `SENDER_EMAIL`, `SITE_URL` and `NOTIFICATION_WINDOW_MINUTES`
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
    siteUrl: siteUrl(env),
    notificationWindowSeconds: notificationWindowMinutes(env) * 60,
  };
}
