import { CognitoIdentityProviderClient } from "@aws-sdk/client-cognito-identity-provider";
import { ConfigurationError, dynamoConfigFromEnv, rateLimitsFromEnv, sdkClientOptions } from "@hearth/domain";
import type { BaseProcessorDependencies } from "../dependencies.js";
import { createProcessorTracer } from "../dependencies.js";
import type { DeletionRunnerFactory } from "../processor.js";
import { filesBucketFromEnv } from "../s3-client.js";
import { createDeletionRunner } from "./deletion.js";
import { s3MemberExports } from "./export-objects.js";
import { cognitoUserAccounts } from "./user-accounts.js";

/**
 * The deletion worker's runner with its ports from the environment: the files bucket
 * (`ATTACHMENTS_BUCKET`, `S3_ENDPOINT` locally) for export objects, the user pool
 * (`USER_POOL_ID`, `COGNITO_ENDPOINT` locally) for the account, and the environment's rate
 * limits (`RATE_LIMITS`) for which counter windows a member can have open. Only the deletion
 * worker's entry (and the local stack) import this, so no other bundle carries Cognito.
 */
export function deletionRunnerFromEnv(
  env: NodeJS.ProcessEnv = process.env,
): DeletionRunnerFactory<BaseProcessorDependencies> {
  const userPoolId = env.USER_POOL_ID?.trim();
  if (!userPoolId) throw new ConfigurationError("Missing environment variable USER_POOL_ID");
  const { stage, region, functionTimeoutSeconds } = dynamoConfigFromEnv(env);
  const cognito = createProcessorTracer().captureAWSv3Client(
    new CognitoIdentityProviderClient(
      sdkClientOptions(
        { stage, region, functionTimeoutSeconds, endpoint: env.COGNITO_ENDPOINT || undefined },
        "COGNITO_ENDPOINT",
        "us-east-1",
      ),
    ),
  );
  const files = filesBucketFromEnv(env);
  const rateLimits = rateLimitsFromEnv(env);
  return (deps) =>
    createDeletionRunner({
      repositories: deps.repositories,
      rateLimits,
      exportObjects: s3MemberExports(files.client, files.bucket),
      userAccounts: cognitoUserAccounts(cognito, userPoolId),
    });
}
