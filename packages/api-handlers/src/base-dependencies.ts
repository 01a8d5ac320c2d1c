import { Logger } from "@aws-lambda-powertools/logger";
import {
  CursorCodec,
  createDocumentClient,
  createRepositories,
  cursorSecretFromEnv,
  dynamoConfigFromEnv,
  type Repositories,
  tableNamesFromEnv,
} from "@hearth/domain";
import { monotonicFactory } from "ulid";

/**
 * What every area's routes use, built once per container and replaceable in tests. This
 * module imports no S3 code, so only the bundles of areas that upload carry the S3 client.
 */
export interface BaseApiDependencies {
  repositories: Repositories;
  /** Origins browsers may call the API from; `*` allows any. */
  allowedOrigins: readonly string[];
  logger: Logger;
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

/**
 * The base dependencies from the environment: table names, `STAGE`, `DYNAMODB_ENDPOINT`
 * (local only), `CURSOR_SECRET`, `ALLOWED_ORIGINS`, `AWS_REGION`, `LOG_LEVEL`. A missing or
 * unsafe setting fails at start-up, not on the first request.
 */
export function baseApiDependenciesFromEnv(env: NodeJS.ProcessEnv = process.env): BaseApiDependencies {
  const tables = tableNamesFromEnv(env);
  const cursors = new CursorCodec(cursorSecretFromEnv(env));
  const doc = createDocumentClient(dynamoConfigFromEnv(env));
  return {
    repositories: createRepositories({ doc, tables, cursors }),
    allowedOrigins: allowedOriginsFromEnv(env),
    logger: createApiLogger(env.LOG_LEVEL),
    now: () => new Date(),
    newId: monotonicFactory(),
  };
}
