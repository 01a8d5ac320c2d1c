import { DynamoDBPersistenceLayer } from "@aws-lambda-powertools/idempotency/dynamodb";
import type { BasePersistenceLayer } from "@aws-lambda-powertools/idempotency/persistence";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { SESv2Client } from "@aws-sdk/client-sesv2";
import {
  ConfigurationError,
  dynamoClientOptions,
  dynamoConfigFromEnv,
  type Repositories,
  sesClientOptionsFromEnv,
  tableSpec,
  UnsubscribeTokens,
} from "@hearth/domain";
import { cursorKeySourceFromEnv } from "@hearth/domain/cursor-keys";
import type { AttachmentObjects } from "./attachments/cleanup.js";
import type { DigestScheduler } from "./notifications/digest-window.js";
import {
  type CoreProcessorDependencies,
  coreProcessorDependenciesFromEnv,
  createProcessorTracer,
  repositoriesFromEnv,
} from "./runtime.js";

export {
  type CoreProcessorDependencies,
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
export interface ProcessorDependencies extends CoreProcessorDependencies {
  repositories: Repositories;
  ses: SESv2Client;
  idempotency: IdempotencyDependencies;
  /** The verified SES identity emails are sent from. */
  senderEmail: string;
  /** The SES configuration set emails go through (`SES_CONFIGURATION_SET`), when there is one. */
  sesConfigurationSet?: string | undefined;
  /** Base URL of the API, for the unsubscribe links in notification emails. */
  apiUrl: string;
  /** Signs unsubscribe links with a key derived from the cursor secret (the API verifies them). */
  unsubscribeTokens: UnsubscribeTokens;
  /** Loads the cursor secret's current values into `unsubscribeTokens` (cached; cheap when fresh). */
  refreshUnsubscribeKeys: () => Promise<void>;
  /** Base URL of the website, for links in emails (no trailing slash needed). */
  siteUrl: string;
  /** At most one email per recipient per kind within this many seconds. */
  notificationWindowSeconds: number;
  /**
   * The attachment objects of deleted messages are removed through this; only the
   * attachments processor has it (its entry adds it), so no other bundle carries S3 code.
   */
  attachmentObjects?: AttachmentObjects;
  /**
   * Schedules the digest of a window when its first event is held; the notifications
   * processor needs it (its entry and the local stack add it), so no other bundle carries
   * the Scheduler client.
   */
  digestScheduler?: DigestScheduler;
}

function required(env: NodeJS.ProcessEnv, name: string): string {
  const value = env[name]?.trim();
  if (!value) throw new ConfigurationError(`Missing environment variable ${name}`);
  return value;
}

/**
 * The debounce window in seconds: `NOTIFICATION_WINDOW_SECONDS` when set (tests and the e2e
 * suite use a few seconds to see a digest arrive), else `NOTIFICATION_WINDOW_MINUTES`, else 15 minutes.
 */
export function notificationWindowSecondsFromEnv(env: NodeJS.ProcessEnv): number {
  const seconds = env.NOTIFICATION_WINDOW_SECONDS?.trim();
  if (seconds) {
    const value = Number(seconds);
    if (!Number.isFinite(value) || value < 0) {
      throw new ConfigurationError(
        `NOTIFICATION_WINDOW_SECONDS must be a number of seconds ≥ 0, not "${seconds}"`,
      );
    }
    return value;
  }
  const raw = env.NOTIFICATION_WINDOW_MINUTES?.trim();
  if (!raw) return DEFAULT_NOTIFICATION_WINDOW_MINUTES * 60;
  const minutes = Number(raw);
  if (!Number.isFinite(minutes) || minutes < 0) {
    throw new ConfigurationError(`NOTIFICATION_WINDOW_MINUTES must be a number of minutes ≥ 0, not "${raw}"`);
  }
  return minutes * 60;
}

function httpUrl(env: NodeJS.ProcessEnv, name: string): string {
  const value = required(env, name);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigurationError(`${name} must be an absolute URL, not "${value}"`);
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw new ConfigurationError(`${name} must be an http(s) URL, not "${value}"`);
  }
  return value.replace(/\/+$/, "");
}

/** What sending email takes: the SES client, the sender and configuration set, the links' bases and keys. */
export type EmailDependencies = Pick<
  ProcessorDependencies,
  | "ses"
  | "senderEmail"
  | "sesConfigurationSet"
  | "siteUrl"
  | "apiUrl"
  | "unsubscribeTokens"
  | "refreshUnsubscribeKeys"
  | "notificationWindowSeconds"
>;

/** What every processor's pipeline needs (no email settings, no SES client). */
export type BaseProcessorDependencies = Omit<
  ProcessorDependencies,
  keyof EmailDependencies | "attachmentObjects" | "digestScheduler"
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
 * `SES_ENDPOINT` (local only), `SENDER_EMAIL`, `SES_CONFIGURATION_SET` (optional), `SITE_URL`,
 * `API_URL`, `CURSOR_SECRET_ARN` (or `CURSOR_SECRET`; the unsubscribe links' key derives from it)
 * and the window (`NOTIFICATION_WINDOW_SECONDS`, else `NOTIFICATION_WINDOW_MINUTES`, default 15
 * minutes). A missing or unsafe setting fails at startup with a message naming it.
 */
export function processorDependenciesFromEnv(env: NodeJS.ProcessEnv = process.env): ProcessorDependencies {
  return { ...baseProcessorDependenciesFromEnv(env), ...emailDependenciesFromEnv(env) };
}

/** The email settings and the (traced) SES client, from the same environment. */
export function emailDependenciesFromEnv(env: NodeJS.ProcessEnv = process.env): EmailDependencies {
  const tracer = createProcessorTracer();
  // Keys arrive with the first email's refresh (the secret is read at runtime, not at import).
  const unsubscribeTokens = new UnsubscribeTokens();
  const unsubscribeKeys = cursorKeySourceFromEnv(env, (client) => tracer.captureAWSv3Client(client));
  return {
    ses: tracer.captureAWSv3Client(new SESv2Client(sesClientOptionsFromEnv(env))),
    senderEmail: required(env, "SENDER_EMAIL"),
    sesConfigurationSet: env.SES_CONFIGURATION_SET?.trim() || undefined,
    siteUrl: httpUrl(env, "SITE_URL"),
    apiUrl: httpUrl(env, "API_URL"),
    unsubscribeTokens,
    refreshUnsubscribeKeys: async () => unsubscribeTokens.useKeys(await unsubscribeKeys.load()),
    notificationWindowSeconds: notificationWindowSecondsFromEnv(env),
  };
}

/**
 * The digest function's dependencies: the core ones, the repositories and the email settings;
 * no idempotency store (the window's digest claim is its own) and no scheduler client.
 */
export function digestDependenciesFromEnv(
  env: NodeJS.ProcessEnv = process.env,
): Omit<BaseProcessorDependencies, "idempotency"> & EmailDependencies {
  return {
    ...coreProcessorDependenciesFromEnv(env),
    repositories: repositoriesFromEnv(env),
    ...emailDependenciesFromEnv(env),
  };
}
