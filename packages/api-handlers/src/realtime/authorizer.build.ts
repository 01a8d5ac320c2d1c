import { createApiLogger } from "../logger.js";
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
  return createRealtimeAuthorizer({
    verifyIdToken: createIdTokenVerifier(idTokenVerifierOptionsFromEnv(env)),
    logger: createApiLogger(env.LOG_LEVEL),
    ...overrides,
  });
}
