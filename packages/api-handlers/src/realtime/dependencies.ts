import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import {
  ConnectionsRepository,
  CursorCodec,
  createDocumentClient,
  dynamoConfigFromEnv,
  tableNamesFromEnv,
} from "@hearth/domain";
import { createApiLogger } from "../base-dependencies.js";
import { createApiTracer } from "../telemetry.js";
import type { RealtimeAuthorizerDependencies } from "./authorizer.js";
import type { RealtimeRouteDependencies } from "./routes.js";
import { createIdTokenVerifier, idTokenVerifierOptionsFromEnv } from "./token-verifier.js";

/** The WebSocket API's two functions, by name (infra's ALL_FUNCTIONS and the local server use these). */
export const REALTIME_FUNCTION_NAMES = ["realtime-authorizer", "realtime-routes"] as const;
export type RealtimeFunctionName = (typeof REALTIME_FUNCTION_NAMES)[number];

/** Their Lambda entry files (each exports `handler`), for NodejsFunction bundling. */
export const REALTIME_FUNCTION_ENTRIES: Record<RealtimeFunctionName, string> = {
  "realtime-authorizer": fileURLToPath(new URL("../handlers/realtime-authorizer.ts", import.meta.url)),
  "realtime-routes": fileURLToPath(new URL("../handlers/realtime-routes.ts", import.meta.url)),
};

/** The routes function reads and writes connections only: the grant infra gives it. */
export const REALTIME_ROUTES_TABLE_ACCESS = { Connections: "readWrite" } as const;

/** The authorizer from the environment (see `idTokenVerifierOptionsFromEnv`); it touches no table. */
export function realtimeAuthorizerDependenciesFromEnv(
  env: NodeJS.ProcessEnv = process.env,
): RealtimeAuthorizerDependencies {
  return {
    verifyIdToken: createIdTokenVerifier(idTokenVerifierOptionsFromEnv(env)),
    logger: createApiLogger(env.LOG_LEVEL),
  };
}

/** The routes from the environment: the Connections table (and the table names), `DYNAMODB_ENDPOINT` locally. */
export function realtimeRouteDependenciesFromEnv(
  env: NodeJS.ProcessEnv = process.env,
): RealtimeRouteDependencies {
  const doc = createApiTracer().captureAWSv3Client(createDocumentClient(dynamoConfigFromEnv(env)));
  // The routes list nothing, so no cursor they could sign ever leaves them.
  const cursors = new CursorCodec(randomBytes(32).toString("hex"));
  return {
    connections: new ConnectionsRepository({ doc, tables: tableNamesFromEnv(env), cursors }),
    logger: createApiLogger(env.LOG_LEVEL),
  };
}
