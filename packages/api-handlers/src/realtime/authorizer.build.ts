import { createApiLogger } from "../logger.js";
import { createApiTracer } from "../telemetry.js";
import { createRealtimeAuthorizer, type RealtimeAuthorizerDependencies } from "./authorizer.js";
import { createIdTokenVerifier, idTokenVerifierOptionsFromEnv } from "./token-verifier.js";

/**
 * The `$connect` authorizer from the environment (see `idTokenVerifierOptionsFromEnv`); it
 * touches no table. `overrides` replace parts (tests). Built once per container.
 */
export function buildRealtimeAuthorizer(
  env: NodeJS.ProcessEnv = process.env,
  overrides: Partial<RealtimeAuthorizerDependencies> = {},
) {
  // In Lambda the tracer captures outgoing HTTPS: the JWKS fetch shows in the function's traces.
  createApiTracer();
  return createRealtimeAuthorizer({
    verifyIdToken: createIdTokenVerifier(idTokenVerifierOptionsFromEnv(env)),
    logger: createApiLogger(env.LOG_LEVEL),
    ...overrides,
  });
}
