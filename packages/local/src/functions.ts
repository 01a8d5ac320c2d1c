import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type ApiArea, buildApiHandlers, REALTIME_FUNCTIONS } from "@hearth/api-handlers";
import {
  FUNCTION_TIMEOUT_ENV,
  PHOTO_HOSTS_ENV,
  RATE_LIMITS_ENV,
  type TableNames,
  tableEnvironment,
} from "@hearth/domain";
import {
  DIGEST_SCHEDULE_ENV,
  type DigestHandler,
  EVENT_FUNCTIONS,
  PROCESSOR_FUNCTION_TIMEOUT_SECONDS,
  PROCESSOR_FUNCTIONS,
  PROCESSOR_NAMES,
  type ProcessorName,
  WEBSOCKET_MANAGEMENT_ENDPOINT_ENV,
} from "@hearth/stream-processors";
import type { LocalStackConfig } from "./config.js";
import type { ApiHandler } from "./gateway.js";
import type { StreamProcessor } from "./stream-poller.js";
import type { WebSocketAuthorizer, WebSocketRouteHandler } from "./websocket-gateway.js";

type Environment = Record<string, string | undefined>;

const LOCAL_CONFIGURATION_SET = "hearth-local";

/**
 * The local stack's cursor secret, made once and kept under the data directory: the API signs
 * cursors and checks unsubscribe links with it, the notification processor signs those links.
 */
export function localCursorSecret(dataDir: string): string {
  const file = join(dataDir, "cursor-secret");
  if (existsSync(file)) return readFileSync(file, "utf8").trim();
  const secret = randomBytes(32).toString("base64url");
  writeFileSync(file, secret);
  return secret;
}

/**
 * The API's Lambdas, built in-process by the builders their Lambda entries call (once per
 * container); the admin one talks to cognito-local (`COGNITO_ENDPOINT`).
 */
export function createApiHandlers(env: Environment): Record<ApiArea, ApiHandler> {
  return buildApiHandlers(env);
}

/**
 * The WebSocket API's two Lambdas, built the way their entries build themselves: the `$connect`
 * authorizer checks tokens against cognito-local's pool (`TOKEN_ISSUER`), the routes function
 * keeps the Connections table.
 */
export function createRealtimeFunctions(env: Environment): {
  authorizer: WebSocketAuthorizer;
  routes: WebSocketRouteHandler;
} {
  return {
    authorizer: REALTIME_FUNCTIONS["realtime-authorizer"].build(env),
    routes: REALTIME_FUNCTIONS["realtime-routes"].build(env),
  };
}

/**
 * The stream processors, each built by its own builder from the environment, as its Lambda
 * entry builds itself (digests are scheduled on the local scheduler, `SCHEDULER_ENDPOINT`; the
 * fanout posts to the local WebSocket server's management endpoint). `retryPauseMs: 0` for a
 * one-off replay: its failures are reported, not retried at once, so pausing before answering
 * (see `RECORD_RETRY`) would only keep the operator waiting.
 */
export function createStreamProcessors(
  env: Environment,
  overrides: { retryPauseMs?: number } = {},
): Record<ProcessorName, StreamProcessor> {
  return Object.fromEntries(
    PROCESSOR_NAMES.map((name) => [name, PROCESSOR_FUNCTIONS[name].build(env, overrides)]),
  ) as Record<ProcessorName, StreamProcessor>;
}

/** The digest function, built by its builder as its entry builds itself (the local scheduler invokes it). */
export function createDigestFunction(env: Environment): DigestHandler {
  return EVENT_FUNCTIONS.digests.build(env);
}

/** The local digest function's name: its ARN is what the processor puts in each schedule's target. */
export const LOCAL_DIGEST_FUNCTION_NAME = "notification-digests";

/** What the local stream processors get in their environment (`pnpm dev` and `pnpm replay local`). */
export function processorEnvironment(
  config: Pick<
    LocalStackConfig,
    "stage" | "region" | "senderEmail" | "siteUrl" | "attachmentsBucket" | "dataDir"
  >,
  engines: {
    /** The local gateway's URL: unsubscribe links in emails point at it. */
    apiUrl: string;
    tables: TableNames;
    dynamoEndpoint: string;
    sesEndpoint: string;
    s3Endpoint: string;
    /** The notifications processor schedules digests there (the local scheduler). */
    schedulerEndpoint: string;
    /** The deletion worker deletes accounts there (cognito-local). */
    userPool: { userPoolId: string; endpoint: string };
    /** The local WebSocket API's management endpoint (`http://…/<stage>`), where the fanout posts. */
    websocketManagementEndpoint: string;
  },
): Environment {
  return {
    ...tableEnvironment(engines.tables),
    STAGE: config.stage,
    DYNAMODB_ENDPOINT: engines.dynamoEndpoint,
    AWS_REGION: config.region,
    LOG_LEVEL: process.env.LOG_LEVEL ?? "WARN",
    SES_ENDPOINT: engines.sesEndpoint,
    SENDER_EMAIL: config.senderEmail,
    // As deployed: emails go through the configuration set (the local SES accepts and ignores it).
    SES_CONFIGURATION_SET: LOCAL_CONFIGURATION_SET,
    SITE_URL: config.siteUrl,
    API_URL: engines.apiUrl,
    // The same secret as the API's, so the links the processor signs are the ones the API accepts.
    CURSOR_SECRET: localCursorSecret(config.dataDir),
    NOTIFICATION_WINDOW_MINUTES: process.env.NOTIFICATION_WINDOW_MINUTES ?? "15",
    // Seconds win over minutes: the e2e suite uses a few seconds to see digests arrive.
    NOTIFICATION_WINDOW_SECONDS: process.env.NOTIFICATION_WINDOW_SECONDS,
    [DIGEST_SCHEDULE_ENV.endpoint]: engines.schedulerEndpoint,
    [DIGEST_SCHEDULE_ENV.group]: "hearth-local-digests",
    [DIGEST_SCHEDULE_ENV.roleArn]: "arn:aws:iam::000000000000:role/hearth-local-digest-scheduler",
    [DIGEST_SCHEDULE_ENV.functionArn]: `arn:aws:lambda:${config.region}:000000000000:function:${LOCAL_DIGEST_FUNCTION_NAME}`,
    [FUNCTION_TIMEOUT_ENV]: String(PROCESSOR_FUNCTION_TIMEOUT_SECONDS),
    // The attachments processor deletes the files of deleted messages there; the export worker writes exports there.
    ATTACHMENTS_BUCKET: config.attachmentsBucket,
    S3_ENDPOINT: engines.s3Endpoint,
    // Hosts a profile photo may link to (none unless set for `pnpm dev`), as the API's.
    [PHOTO_HOSTS_ENV]: process.env[PHOTO_HOSTS_ENV],
    USER_POOL_ID: engines.userPool.userPoolId,
    COGNITO_ENDPOINT: engines.userPool.endpoint,
    // The deletion worker takes back the rate-limit windows of the limits the API counts with.
    [RATE_LIMITS_ENV]: process.env[RATE_LIMITS_ENV],
    [WEBSOCKET_MANAGEMENT_ENDPOINT_ENV]: engines.websocketManagementEndpoint,
  };
}
