import { DynamoDBPersistenceLayer } from "@aws-lambda-powertools/idempotency/dynamodb";
import { Logger } from "@aws-lambda-powertools/logger";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import {
  CursorCodec,
  createDocumentClient,
  createRepositories,
  dynamoClientOptions,
  dynamoConfigFromEnv,
  type InvocationTracer,
  type RateLimits,
  type Repositories,
  rateLimitsFromEnv,
  type TableNames,
  tableNamesFromEnv,
  tableSpec,
  UnsubscribeTokens,
} from "@hearth/domain";
import { type CursorKeySource, cursorKeySourceFromEnv } from "@hearth/domain/cursor-keys";
import { monotonicFactory } from "ulid";
import { ApiIdempotency } from "./http/idempotency.js";
import { type ApiMetrics, apiMetricsFromEnv, createApiTracer } from "./telemetry.js";

/**
 * What every area's routes use, built once per container and replaceable in tests. This
 * module imports no S3 code, so only the bundles of areas that upload carry the S3 client.
 */
export interface BaseApiDependencies {
  repositories: Repositories;
  /**
   * Brings the cursor codec's keys up to date before a request (a rotated secret is picked
   * up within the cache's max age); cheap while the keys are cached.
   */
  refreshCursorKeys: () => Promise<void>;
  /**
   * Checks the unsubscribe links of notification emails; its key derives from the cursor
   * secret and is refreshed with the cursor keys.
   */
  unsubscribeTokens: UnsubscribeTokens;
  /** Runs a POST that carries an `Idempotency-Key` at most once per (caller, route, key). */
  idempotency: ApiIdempotency;
  /** Per-member write limits by kind; the route table names each route's kind. */
  rateLimits: RateLimits;
  /** Origins browsers may call the API from; `*` allows any. */
  allowedOrigins: readonly string[];
  logger: Logger;
  /** X-Ray: each request runs in a subsegment named after its route; SDK calls are captured. */
  tracer: InvocationTracer;
  /** Requests by route and outcome, refusals by code, faults (EMF). */
  metrics: ApiMetrics;
  now: () => Date;
  /** Time-sortable ids (ULIDs) for upload keys and group conversations. */
  newId: () => string;
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

/** Idempotent POSTs over the `IdempotencyRecords` table, through `client`. */
export function createApiIdempotency(client: DynamoDBClient, tables: TableNames): ApiIdempotency {
  const spec = tableSpec("IdempotencyRecords");
  return new ApiIdempotency(
    () =>
      new DynamoDBPersistenceLayer({
        tableName: tables.IdempotencyRecords,
        keyAttr: spec.partitionKey.name,
        expiryAttr: spec.timeToLiveAttribute ?? "expiration",
        awsSdkV3Client: client,
      }),
  );
}

/**
 * Loads `source`'s keys into `cursors` (and the unsubscribe tokens, whose key derives from the
 * same secret): they stay synchronous, the keys can change.
 */
export function cursorKeyRefresher(
  cursors: CursorCodec,
  source: CursorKeySource,
  unsubscribeTokens?: UnsubscribeTokens,
): () => Promise<void> {
  return async () => {
    const keys = await source.load();
    cursors.useKeys(keys);
    unsubscribeTokens?.useKeys(keys);
  };
}

/**
 * The base dependencies from the environment: table names, `STAGE`, `DYNAMODB_ENDPOINT`
 * (local only), `CURSOR_SECRET_ARN` (or `CURSOR_SECRET`), `ALLOWED_ORIGINS`, `RATE_LIMITS`
 * (JSON overrides of the default limits), `AWS_REGION`, `LOG_LEVEL`,
 * `POWERTOOLS_METRICS_NAMESPACE` (metrics only when set), `POWERTOOLS_TRACE_ENABLED`. A missing or unsafe
 * setting fails at start-up, not on the first request.
 */
export function baseApiDependenciesFromEnv(env: NodeJS.ProcessEnv = process.env): BaseApiDependencies {
  const tables = tableNamesFromEnv(env);
  const rateLimits = rateLimitsFromEnv(env);
  // Keys arrive with the first request's refresh (the secret is read at runtime, not at import).
  const cursors = new CursorCodec();
  const unsubscribeTokens = new UnsubscribeTokens();
  const tracer = createApiTracer();
  const cursorKeys = cursorKeySourceFromEnv(env, (client) => tracer.captureAWSv3Client(client));
  const dynamoConfig = dynamoConfigFromEnv(env);
  // The document client shares its middleware with the client below it: both are traced.
  const doc = tracer.captureAWSv3Client(createDocumentClient(dynamoConfig));
  return {
    repositories: createRepositories({ doc, tables, cursors }),
    refreshCursorKeys: cursorKeyRefresher(cursors, cursorKeys, unsubscribeTokens),
    unsubscribeTokens,
    // Powertools writes marshalled items itself, so it gets a plain client with the same settings.
    idempotency: createApiIdempotency(
      tracer.captureAWSv3Client(new DynamoDBClient(dynamoClientOptions(dynamoConfig))),
      tables,
    ),
    rateLimits,
    allowedOrigins: allowedOriginsFromEnv(env),
    logger: createApiLogger(env.LOG_LEVEL),
    tracer,
    metrics: apiMetricsFromEnv(env),
    now: () => new Date(),
    newId: monotonicFactory(),
  };
}
