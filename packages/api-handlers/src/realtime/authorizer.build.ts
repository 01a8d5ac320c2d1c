import {
  CursorCodec,
  createDocumentClient,
  dynamoConfigFromEnv,
  RevocationList,
  tableNamesFromEnv,
} from "@hearth/domain";
import { RevocationsRepository } from "@hearth/domain/repositories/revocations";
import { createApiLogger } from "../logger.js";
import { createApiTracer } from "../telemetry.js";
import { createRealtimeAuthorizer, type RealtimeAuthorizerDependencies } from "./authorizer.js";
import { createIdTokenVerifier, idTokenVerifierOptionsFromEnv } from "./token-verifier.js";

/**
 * The `$connect` authorizer from the environment (see `idTokenVerifierOptionsFromEnv`, and the
 * Revocations table, read at most once a minute). `overrides` replace parts (tests). Built
 * once per container.
 */
export function buildRealtimeAuthorizer(
  env: NodeJS.ProcessEnv = process.env,
  overrides: Partial<RealtimeAuthorizerDependencies> = {},
) {
  // In Lambda the tracer captures outgoing HTTPS: the JWKS fetch shows in the function's traces.
  const tracer = createApiTracer();
  const revocations = new RevocationsRepository({
    doc: tracer.captureAWSv3Client(createDocumentClient(dynamoConfigFromEnv(env))),
    tables: tableNamesFromEnv(env),
    // Nothing here lists anything: no cursor is ever signed.
    cursors: new CursorCodec(),
  });
  return createRealtimeAuthorizer({
    verifyIdToken: createIdTokenVerifier(idTokenVerifierOptionsFromEnv(env)),
    revocations: new RevocationList(revocations),
    logger: createApiLogger(env.LOG_LEVEL),
    ...overrides,
  });
}
