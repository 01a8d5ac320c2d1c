import { CognitoIdentityProviderClient } from "@aws-sdk/client-cognito-identity-provider";
import {
  cognitoClientOptions,
  LOCAL_ENDPOINT_ENV,
  type RateLimits,
  rateLimitsFromEnv,
  sdkClientConfigFromEnv,
} from "@hearth/domain";
import { type ConnectionsApi, connectionsApiFromEnv } from "../realtime/connections-api.js";
import { createProcessorTracer, requiredSetting } from "../runtime.js";
import { cognitoUserAccounts, type UserAccounts } from "./user-accounts.js";

/** The ports of an account deletion outside DynamoDB: the user pool, and the rate limits it takes back. */
export interface DeletionPorts {
  userAccounts: UserAccounts;
  /** Closes the member's open WebSocket connections (the WebSocket API's management endpoint). */
  connectionsApi: Pick<ConnectionsApi, "close">;
  /** The environment's limits: which rate-limit windows a member can have open right now. */
  rateLimits: RateLimits;
}

/**
 * The deletion worker's ports from the environment: the user pool (`USER_POOL_ID`,
 * `COGNITO_ENDPOINT` locally) for the account, and the environment's rate limits
 * (`RATE_LIMITS`) for which counter windows a member can have open. Only the deletion worker
 * imports this, so no other bundle carries Cognito.
 */
export function deletionPortsFromEnv(env: NodeJS.ProcessEnv = process.env): DeletionPorts {
  const userPoolId = requiredSetting(env, "USER_POOL_ID");
  const cognito = createProcessorTracer().captureAWSv3Client(
    new CognitoIdentityProviderClient(
      cognitoClientOptions(sdkClientConfigFromEnv(env, LOCAL_ENDPOINT_ENV.cognito)),
    ),
  );
  return {
    userAccounts: cognitoUserAccounts(cognito, userPoolId),
    rateLimits: rateLimitsFromEnv(env),
    connectionsApi: connectionsApiFromEnv(env),
  };
}
