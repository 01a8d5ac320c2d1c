import { randomBytes } from "node:crypto";
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
