import { randomBytes } from "node:crypto";
import { CursorCodec, createDocumentClient, dynamoConfigFromEnv, tableNamesFromEnv } from "@hearth/domain";
import { ConnectionsRepository } from "@hearth/domain/repositories/connections";
import { createApiLogger } from "../logger.js";
import { createApiTracer } from "../telemetry.js";
import { createRealtimeRoutes, type RealtimeRouteDependencies } from "./routes.js";

/**
 * The WebSocket routes from the environment: the Connections table, `DYNAMODB_ENDPOINT` locally.
 * `overrides` replace parts (tests). Built once per container.
 */
export function buildRealtimeRoutes(
  env: NodeJS.ProcessEnv = process.env,
  overrides: Partial<RealtimeRouteDependencies> = {},
) {
  const doc = createApiTracer().captureAWSv3Client(createDocumentClient(dynamoConfigFromEnv(env)));
  // The routes list nothing, so no cursor they could sign ever leaves them.
  const cursors = new CursorCodec(randomBytes(32).toString("hex"));
  return createRealtimeRoutes({
    connections: new ConnectionsRepository({ doc, tables: tableNamesFromEnv(env), cursors }),
    logger: createApiLogger(env.LOG_LEVEL),
    ...overrides,
  });
}
