import {
  AdminAddUserToGroupCommand,
  CognitoIdentityProviderClient,
} from "@aws-sdk/client-cognito-identity-provider";
import {
  ConfigurationError,
  cognitoClientOptions,
  LOCAL_ENDPOINT_ENV,
  MEMBER_GROUP,
  NotFoundError,
  type SdkClientConfig,
  sdkClientConfigFromEnv,
} from "@hearth/domain";

/**
 * The user pool's groups, which only the admin area changes. This module is imported by the
 * admin area's builder alone, so no other bundle carries the Cognito client.
 */
export interface MemberGroups {
  /**
   * Puts the user pool's user `username` into ApprovedUsers. Adding someone who is in it
   * already changes nothing (Cognito answers the same), so a retry is safe. NotFoundError
   * when the pool has no such user.
   */
  addToMembers(username: string): Promise<void>;
}

/** ApprovedUsers of the user pool `userPoolId`, through `client`. */
export function cognitoMemberGroups(client: CognitoIdentityProviderClient, userPoolId: string): MemberGroups {
  return {
    async addToMembers(username) {
      try {
        await client.send(
          new AdminAddUserToGroupCommand({
            UserPoolId: userPoolId,
            Username: username,
            GroupName: MEMBER_GROUP,
          }),
        );
      } catch (error) {
        if ((error as { name?: string }).name === "UserNotFoundException") {
          throw new NotFoundError("This person no longer has an account in the user pool");
        }
        throw error;
      }
    },
  };
}

/** The user pool and its client's settings (`COGNITO_ENDPOINT` names cognito-local). */
export interface CognitoConfig extends SdkClientConfig {
  userPoolId: string;
}

export function cognitoConfigFromEnv(env: NodeJS.ProcessEnv = process.env): CognitoConfig {
  const userPoolId = env.USER_POOL_ID?.trim();
  if (!userPoolId) throw new ConfigurationError("USER_POOL_ID must be set");
  return { ...sdkClientConfigFromEnv(env, LOCAL_ENDPOINT_ENV.cognito), userPoolId };
}

/** The user pool's groups from the environment: `USER_POOL_ID`, `COGNITO_ENDPOINT` (local only), `STAGE`, `AWS_REGION`. */
export function memberGroupsFromEnv(
  env: NodeJS.ProcessEnv = process.env,
  /** Wraps the client, e.g. the tracer's `captureAWSv3Client`, so Cognito calls are traced. */
  capture: (client: CognitoIdentityProviderClient) => CognitoIdentityProviderClient = (client) => client,
): MemberGroups {
  const config = cognitoConfigFromEnv(env);
  const client = capture(new CognitoIdentityProviderClient(cognitoClientOptions(config)));
  return cognitoMemberGroups(client, config.userPoolId);
}
