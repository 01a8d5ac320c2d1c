import { DynamoDBPersistenceLayer } from "@aws-lambda-powertools/idempotency/dynamodb";
import type { Logger } from "@aws-lambda-powertools/logger";
import { DynamoDBClient, PutItemCommand } from "@aws-sdk/client-dynamodb";
import {
  CursorCodec,
  type CursorKeys,
  createDocumentClient,
  dynamoClientOptions,
  dynamoConfigFromEnv,
  gateWrites,
  IDEMPOTENCY_OWNER_ATTRIBUTE,
  type InvocationTracer,
  type RateLimits,
  type RepositoryContext,
  RevocationList,
  rateLimitsFromEnv,
  type TableNames,
  tableNamesFromEnv,
  tableSpec,
} from "@hearth/domain";
import { type CursorKeySource, cursorKeySourceFromEnv } from "@hearth/domain/cursor-keys";
import { RateLimitsRepository } from "@hearth/domain/repositories/rate-limits";
import { RevocationsRepository } from "@hearth/domain/repositories/revocations";
import { ApiIdempotency } from "./http/idempotency.js";
import { createApiLogger } from "./logger.js";
import type { ApiArea, ROUTES } from "./routes.js";
import { type ApiMetrics, apiMetricsFromEnv, createApiTracer } from "./telemetry.js";

// The parts the shared request steps (`createAreaHandler`) use, each built on its own so an
// area's builder composes exactly the ones its routes call for. This module imports no S3 or
// Cognito code and no repository but the rate limits'.

/** What the request steps use for every area: logs, traces, metrics, the clock, CORS, cursor keys. */
export interface RequestSteps {
  logger: Logger;
  /** X-Ray: each request runs in a subsegment named after its route; SDK calls are captured. */
  tracer: InvocationTracer;
  /** Requests by route and outcome, refusals by code, faults (EMF). */
  metrics: ApiMetrics;
  now: () => Date;
  /** Origins browsers may call the API from; `*` allows any. */
  allowedOrigins: readonly string[];
  /**
   * Brings the cursor codec's keys up to date before a request (a rotated secret is picked
   * up within the cache's max age); cheap while the keys are cached.
   */
  refreshCursorKeys: () => Promise<void>;
  /**
   * Whose tokens are refused before they expire (revoked, taken out of the groups, deleted):
   * read at most once a minute per container, beside the request's first reads.
   */
  revocations: RevocationList;
}

/** For areas with a member POST: runs one that carries an `Idempotency-Key` at most once per (caller, route, key). */
export interface IdempotentPosts {
  idempotency: ApiIdempotency;
}

/** For areas with a rate-limited route: the per-member limits by kind and their counters. */
export interface RateLimiting {
  rateLimits: RateLimits;
  rateLimitCounters: RateLimitsRepository;
}

type AreaRoute<A extends ApiArea> = Extract<(typeof ROUTES)[number], { area: A }>;

/**
 * What the request steps need for `area`, read off the route table: every area the basic
 * steps, an area with a POST the idempotency store, an area with a rate-limited route the
 * limits. Adding such a route to an area makes its builder fail to compile until it
 * composes the part.
 */
export type RequestStepsOf<A extends ApiArea> = RequestSteps &
  ([Extract<AreaRoute<A>, { method: "POST" }>] extends [never] ? unknown : IdempotentPosts) &
  ([Extract<AreaRoute<A>, { rateLimit: string }>] extends [never] ? unknown : RateLimiting);

/** `https://a.example, https://b.example` → the list; empty when unset. */
export function allowedOriginsFromEnv(env: NodeJS.ProcessEnv = process.env): string[] {
  return (env.ALLOWED_ORIGINS ?? "")
    .split(",")
    .map((origin) => origin.trim().replace(/\/+$/, ""))
    .filter(Boolean);
}

/**
 * Idempotent POSTs over the `IdempotencyRecords` table, through `client`. Each request gets
 * its own store (a small object over the shared client) whose records carry the caller's id
 * as `ownerId`, so a member's stored responses can be found by the owner index and removed
 * with their account; Powertools' hashed record ids alone could not be.
 */
export function createApiIdempotency(client: DynamoDBClient, tables: TableNames): ApiIdempotency {
  const spec = tableSpec("IdempotencyRecords");
  // Read now: a function without the table's name fails at start-up, not on its first POST.
  const tableName = tables.IdempotencyRecords;
  return new ApiIdempotency(
    (ownerId) =>
      new DynamoDBPersistenceLayer({
        tableName,
        keyAttr: spec.partitionKey.name,
        expiryAttr: spec.timeToLiveAttribute ?? "expiration",
        awsSdkV3Client: ownedRecordsClient(client, ownerId),
      }),
  );
}

/**
 * `client` as the store of one caller's records sees it: every record it puts (Powertools
 * writes a record with one PutItem, then updates it in place) gets the `ownerId` attribute.
 */
function ownedRecordsClient(client: DynamoDBClient, ownerId: string): DynamoDBClient {
  return new Proxy(client, {
    get(target, property, receiver) {
      if (property !== "send") return Reflect.get(target, property, receiver);
      return (command: unknown, ...rest: unknown[]) => {
        if (command instanceof PutItemCommand && command.input.Item) {
          command.input.Item = { ...command.input.Item, [IDEMPOTENCY_OWNER_ATTRIBUTE]: { S: ownerId } };
        }
        return (target.send as (...args: unknown[]) => unknown)(command, ...rest);
      };
    },
  });
}

/** Something signed with keys derived from the cursor secret (the unsubscribe tokens). */
export interface CursorKeyUser {
  useKeys(keys: CursorKeys): void;
}

/**
 * Loads `source`'s keys into `cursors` (and whatever else derives its key from the same
 * secret): they stay synchronous, the keys can change.
 */
export function cursorKeyRefresher(
  cursors: CursorCodec,
  source: CursorKeySource,
  ...alsoUsing: CursorKeyUser[]
): () => Promise<void> {
  return async () => {
    const keys = await source.load();
    cursors.useKeys(keys);
    for (const user of alsoUsing) user.useKeys(keys);
  };
}

/**
 * What every API function starts from: the request steps, and what its repositories are built
 * on (a traced, write-gated document client, the function's own tables, the cursor codec).
 */
export interface ApiFunctionBase {
  steps: RequestSteps;
  /** The steps' tracer, to capture the function's other AWS clients into the same traces. */
  tracer: ReturnType<typeof createApiTracer>;
  repositoryContext: RepositoryContext;
  /** The DynamoDB client settings (stage, endpoint, timeouts), for clients of other kinds. */
  dynamoConfig: ReturnType<typeof dynamoConfigFromEnv>;
}

/**
 * The base of an API function from the environment: table names, `STAGE`, `DYNAMODB_ENDPOINT`
 * (local only), `CURSOR_SECRET_ARN` (or `CURSOR_SECRET`), `ALLOWED_ORIGINS`, `AWS_REGION`,
 * `LOG_LEVEL`, `POWERTOOLS_METRICS_NAMESPACE` (metrics only when set), `POWERTOOLS_TRACE_ENABLED`.
 * `alsoUsingCursorKeys` get the cursor secret's keys with every refresh. A missing or unsafe
 * setting fails at start-up, not on the first request.
 */
export function apiFunctionBaseFromEnv(
  env: NodeJS.ProcessEnv = process.env,
  ...alsoUsingCursorKeys: CursorKeyUser[]
): ApiFunctionBase {
  const tables = tableNamesFromEnv(env);
  // Keys arrive with the first request's refresh (the secret is read at runtime, not at import).
  const cursors = new CursorCodec();
  const tracer = createApiTracer();
  const cursorKeys = cursorKeySourceFromEnv(env, (client) => tracer.captureAWSv3Client(client));
  const dynamoConfig = dynamoConfigFromEnv(env);
  // The document client shares its middleware with the client below it: both are traced.
  const doc = tracer.captureAWSv3Client(createDocumentClient(dynamoConfig));
  // A request's writes can then wait for its rate limit and idempotency record (`writesAfter`).
  gateWrites(doc);
  const now = () => new Date();
  const repositoryContext = { doc, tables, cursors };
  return {
    steps: {
      logger: createApiLogger(env.LOG_LEVEL),
      tracer,
      metrics: apiMetricsFromEnv(env),
      now,
      allowedOrigins: allowedOriginsFromEnv(env),
      refreshCursorKeys: cursorKeyRefresher(cursors, cursorKeys, ...alsoUsingCursorKeys),
      revocations: new RevocationList(new RevocationsRepository(repositoryContext), now),
    },
    tracer,
    repositoryContext,
    dynamoConfig,
  };
}

/** The idempotency store (the `IdempotencyRecords` table) of a function built on `base`. */
export function idempotentPosts(base: ApiFunctionBase): IdempotentPosts {
  const { tracer } = base;
  return {
    // Powertools writes marshalled items itself, so it gets a plain client with the same settings.
    idempotency: createApiIdempotency(
      tracer.captureAWSv3Client(new DynamoDBClient(dynamoClientOptions(base.dynamoConfig))),
      base.repositoryContext.tables,
    ),
  };
}

/** The rate limits (`RATE_LIMITS`: JSON overrides of the defaults) and their counters (the `RateLimits` table). */
export function rateLimiting(base: ApiFunctionBase, env: NodeJS.ProcessEnv = process.env): RateLimiting {
  return {
    rateLimits: rateLimitsFromEnv(env),
    rateLimitCounters: new RateLimitsRepository(base.repositoryContext),
  };
}
