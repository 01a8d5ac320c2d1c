import { CognitoIdentityProviderClient } from "@aws-sdk/client-cognito-identity-provider";
import {
  ConfigurationError,
  cognitoClientOptions,
  LOCAL_ENDPOINT_ENV,
  rateLimitsFromEnv,
  sdkClientConfigFromEnv,
} from "@hearth/domain";
import { createProcessorTracer } from "../runtime.js";
import { createDeletionRunner } from "./deletion.js";
import type { JobProcessorDependencies } from "./dependencies.js";
import type { DeletionRunnerFactory } from "./processors.js";
import { cognitoUserAccounts } from "./user-accounts.js";

/**
 * The deletion worker's runner with its ports from the environment: the user pool
 * (`USER_POOL_ID`, `COGNITO_ENDPOINT` locally) for the account, and the environment's rate
 * limits (`RATE_LIMITS`) for which counter windows a member can have open. Only the deletion
 * worker's entry (and the local stack) import this, so no other bundle carries Cognito.
 */
export function deletionRunnerFromEnv(
  env: NodeJS.ProcessEnv = process.env,
): DeletionRunnerFactory<JobProcessorDependencies> {
  const userPoolId = env.USER_POOL_ID?.trim();
  if (!userPoolId) throw new ConfigurationError("Missing environment variable USER_POOL_ID");
  const cognito = createProcessorTracer().captureAWSv3Client(
    new CognitoIdentityProviderClient(
      cognitoClientOptions(sdkClientConfigFromEnv(env, LOCAL_ENDPOINT_ENV.cognito)),
    ),
  );
  const rateLimits = rateLimitsFromEnv(env);
  return (deps) =>
    createDeletionRunner({
      repositories: deps.repositories,
      rateLimits,
      userAccounts: cognitoUserAccounts(cognito, userPoolId),
    });
}
