import {
  AdminDeleteUserCommand,
  type CognitoIdentityProviderClient,
  UserNotFoundException,
} from "@aws-sdk/client-cognito-identity-provider";

/** Members' sign-in accounts in the user pool, as the account deletion sees them. */
export interface UserAccounts {
  /** Deletes the user-pool user; false when there is none (deleted already). */
  deleteUser(username: string): Promise<boolean>;
}

export function cognitoUserAccounts(client: CognitoIdentityProviderClient, userPoolId: string): UserAccounts {
  return {
    async deleteUser(username) {
      try {
        await client.send(new AdminDeleteUserCommand({ UserPoolId: userPoolId, Username: username }));
        return true;
      } catch (error) {
        if (error instanceof UserNotFoundException) return false;
        throw error;
      }
    },
  };
}
