import {
  AdminAddUserToGroupCommand,
  AdminListGroupsForUserCommand,
  AdminRemoveUserFromGroupCommand,
  AdminUserGlobalSignOutCommand,
  CognitoIdentityProviderClient,
} from "@aws-sdk/client-cognito-identity-provider";
import {
  ADMIN_GROUP,
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
  /** Takes `username` out of ApprovedUsers; someone not in it is left as they are. NotFoundError without such a user. */
  removeFromMembers(username: string): Promise<void>;
  /** Signs `username` out everywhere: their refresh tokens stop working. NotFoundError without such a user. */
  signOutEverywhere(username: string): Promise<void>;
  /** Whether `username` is in Admins right now (the user pool, not a token, is asked). False without such a user. */
  isAdmin(username: string): Promise<boolean>;
}

/** ApprovedUsers of the user pool `userPoolId`, through `client`. */
export function cognitoMemberGroups(client: CognitoIdentityProviderClient, userPoolId: string): MemberGroups {
  const isUserNotFound = (error: unknown) => (error as { name?: string }).name === "UserNotFoundException";
  const send = async (call: () => Promise<unknown>): Promise<void> => {
    try {
      await call();
    } catch (error) {
      if (isUserNotFound(error))
        throw new NotFoundError("This person no longer has an account in the user pool");
      throw error;
    }
  };
  return {
    addToMembers: (username) =>
      send(() =>
        client.send(
          new AdminAddUserToGroupCommand({
            UserPoolId: userPoolId,
            Username: username,
            GroupName: MEMBER_GROUP,
          }),
        ),
      ),
    removeFromMembers: (username) =>
      send(() =>
        client.send(
          new AdminRemoveUserFromGroupCommand({
            UserPoolId: userPoolId,
            Username: username,
            GroupName: MEMBER_GROUP,
          }),
        ),
      ),
    signOutEverywhere: (username) =>
      send(() =>
        client.send(new AdminUserGlobalSignOutCommand({ UserPoolId: userPoolId, Username: username })),
      ),
    async isAdmin(username) {
      try {
        let nextToken: string | undefined;
        do {
          const output = await client.send(
            new AdminListGroupsForUserCommand({
              UserPoolId: userPoolId,
              Username: username,
              NextToken: nextToken,
            }),
          );
          if (output.Groups?.some((group) => group.GroupName === ADMIN_GROUP)) return true;
          nextToken = output.NextToken;
        } while (nextToken);
        return false;
      } catch (error) {
        if (isUserNotFound(error)) return false;
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
