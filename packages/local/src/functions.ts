import {
  API_AREAS,
  type ApiArea,
  adminDependenciesFromEnv,
  apiDependenciesFromEnv,
  createApiHandler,
  createRealtimeAuthorizer,
  createRealtimeRoutes,
  realtimeAuthorizerDependenciesFromEnv,
  realtimeRouteDependenciesFromEnv,
} from "@hearth/api-handlers";
import { FUNCTION_TIMEOUT_ENV, RATE_LIMITS_ENV, type TableNames, tableEnvironment } from "@hearth/domain";
import {
  attachmentObjectsFromEnv,
  createProcessor,
  deletionRunnerFromEnv,
  exportObjectsFromEnv,
  PROCESSOR_FUNCTION_TIMEOUT_SECONDS,
  PROCESSOR_NAMES,
  type ProcessorName,
  processorDependenciesFromEnv,
  realtimeExtrasFromEnv,
  WEBSOCKET_MANAGEMENT_ENDPOINT_ENV,
} from "@hearth/stream-processors";
import type { LocalStackConfig } from "./config.js";
import type { ApiHandler } from "./gateway.js";
import type { StreamProcessor } from "./stream-poller.js";
import type { WebSocketAuthorizer, WebSocketRouteHandler } from "./websocket-gateway.js";

type Environment = Record<string, string | undefined>;

/**
 * The API's Lambdas, built in-process the way each Lambda entry builds itself from its
 * environment (once per container); the admin one talks to cognito-local (`COGNITO_ENDPOINT`).
 */
export function createApiHandlers(env: Environment): Record<ApiArea, ApiHandler> {
  const dependencies = { ...apiDependenciesFromEnv(env), ...adminDependenciesFromEnv(env) };
  return Object.fromEntries(API_AREAS.map((area) => [area, createApiHandler(area, dependencies)])) as Record<
    ApiArea,
    ApiHandler
  >;
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
    authorizer: createRealtimeAuthorizer(realtimeAuthorizerDependenciesFromEnv(env)),
    routes: createRealtimeRoutes(realtimeRouteDependenciesFromEnv(env)),
  };
}

/**
 * The stream processors, built the same way (the attachments one with its S3 objects, the
 * export worker with its export objects, the deletion worker with its runner, as their entries do).
 */
export function createStreamProcessors(env: Environment): Record<ProcessorName, StreamProcessor> {
  const dependencies = {
    ...processorDependenciesFromEnv(env),
    attachmentObjects: attachmentObjectsFromEnv(env),
    exportObjects: exportObjectsFromEnv(env),
    createDeletionRunner: deletionRunnerFromEnv(env),
    // Needs WEBSOCKET_MANAGEMENT_ENDPOINT: the local WebSocket server's management endpoint.
    realtime: realtimeExtrasFromEnv(env),
  };
  return Object.fromEntries(
    PROCESSOR_NAMES.map((name) => [name, createProcessor(name, dependencies)]),
  ) as Record<ProcessorName, StreamProcessor>;
}

/** What the local stream processors get in their environment (`pnpm dev` and `pnpm replay local`). */
export function processorEnvironment(
  config: Pick<LocalStackConfig, "stage" | "region" | "senderEmail" | "siteUrl" | "attachmentsBucket">,
  engines: {
    tables: TableNames;
    dynamoEndpoint: string;
    sesEndpoint: string;
    s3Endpoint: string;
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
    SITE_URL: config.siteUrl,
    NOTIFICATION_WINDOW_MINUTES: process.env.NOTIFICATION_WINDOW_MINUTES ?? "15",
    [FUNCTION_TIMEOUT_ENV]: String(PROCESSOR_FUNCTION_TIMEOUT_SECONDS),
    // The attachments processor deletes the files of deleted messages there; the export worker writes exports there.
    ATTACHMENTS_BUCKET: config.attachmentsBucket,
    S3_ENDPOINT: engines.s3Endpoint,
    USER_POOL_ID: engines.userPool.userPoolId,
    COGNITO_ENDPOINT: engines.userPool.endpoint,
    // The deletion worker takes back the rate-limit windows of the limits the API counts with.
    [RATE_LIMITS_ENV]: process.env[RATE_LIMITS_ENV],
    [WEBSOCKET_MANAGEMENT_ENDPOINT_ENV]: engines.websocketManagementEndpoint,
  };
}
