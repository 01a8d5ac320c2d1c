import {
  AdminAddUserToGroupCommand,
  AdminCreateUserCommand,
  AdminGetUserCommand,
  AdminSetUserPasswordCommand,
  type CognitoIdentityProviderClient,
  CreateGroupCommand,
  CreateUserPoolClientCommand,
  CreateUserPoolCommand,
  GroupExistsException,
  ListGroupsCommand,
  ListUserPoolClientsCommand,
  ListUserPoolsCommand,
  UsernameExistsException,
} from "@aws-sdk/client-cognito-identity-provider";
import {
  BucketAlreadyOwnedByYou,
  CreateBucketCommand,
  PutBucketCorsCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import { ATTACHMENT_CORS_MAX_AGE_SECONDS, ATTACHMENT_CORS_RULES } from "@hearth/api-handlers";
import { ADMIN_GROUP, MEMBER_GROUP } from "@hearth/domain";

export interface UserPool {
  userPoolId: string;
  userPoolClientId: string;
  /** True when this start created the pool (so the stack is new and gets its seed data). */
  created: boolean;
}

/**
 * The user pool the auth stack would create: sign-in by email, the web client (no secret,
 * password and SRP flows) and the two groups. Found by name when it already exists.
 */
export async function ensureUserPool(
  cognito: CognitoIdentityProviderClient,
  poolName: string,
  clientName: string,
): Promise<UserPool> {
  const pools = await cognito.send(new ListUserPoolsCommand({ MaxResults: 60 }));
  let userPoolId = pools.UserPools?.find((pool) => pool.Name === poolName)?.Id;
  const created = !userPoolId;
  if (!userPoolId) {
    const output = await cognito.send(
      new CreateUserPoolCommand({
        PoolName: poolName,
        UsernameAttributes: ["email"],
        AutoVerifiedAttributes: ["email"],
        Policies: {
          PasswordPolicy: {
            MinimumLength: 12,
            RequireLowercase: true,
            RequireUppercase: true,
            RequireNumbers: true,
            RequireSymbols: false,
          },
        },
      }),
    );
    userPoolId = output.UserPool!.Id!;
  }
  const clients = await cognito.send(
    new ListUserPoolClientsCommand({ UserPoolId: userPoolId, MaxResults: 60 }),
  );
  let userPoolClientId = clients.UserPoolClients?.find(
    (client) => client.ClientName === clientName,
  )?.ClientId;
  if (!userPoolClientId) {
    const output = await cognito.send(
      new CreateUserPoolClientCommand({
        UserPoolId: userPoolId,
        ClientName: clientName,
        GenerateSecret: false,
        ExplicitAuthFlows: ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
      }),
    );
    userPoolClientId = output.UserPoolClient!.ClientId!;
  }
  // Only the missing groups: cognito-local's CreateGroup silently replaces an existing group,
  // members included, where Cognito would refuse with GroupExistsException.
  const existing = await cognito.send(new ListGroupsCommand({ UserPoolId: userPoolId, Limit: 60 }));
  const existingNames = new Set(existing.Groups?.map((group) => group.GroupName));
  for (const group of [ADMIN_GROUP, MEMBER_GROUP]) {
    if (existingNames.has(group)) continue;
    try {
      await cognito.send(new CreateGroupCommand({ UserPoolId: userPoolId, GroupName: group }));
    } catch (error) {
      if (!(error instanceof GroupExistsException)) throw error;
    }
  }
  return { userPoolId, userPoolClientId, created };
}

/**
 * A confirmed user with a permanent password in the given groups; returns their `sub`.
 * An existing user (a start interrupted after creating it) is brought to the same state.
 */
export async function createUser(
  cognito: CognitoIdentityProviderClient,
  userPoolId: string,
  user: { email: string; password: string; name: string; groups: readonly string[] },
): Promise<string> {
  let attributes: Array<{ Name?: string | undefined; Value?: string | undefined }> | undefined;
  try {
    const output = await cognito.send(
      new AdminCreateUserCommand({
        UserPoolId: userPoolId,
        Username: user.email,
        MessageAction: "SUPPRESS",
        UserAttributes: [
          { Name: "email", Value: user.email },
          { Name: "email_verified", Value: "true" },
          { Name: "name", Value: user.name },
        ],
      }),
    );
    attributes = output.User?.Attributes;
  } catch (error) {
    if (!(error instanceof UsernameExistsException)) throw error;
    const existing = await cognito.send(
      new AdminGetUserCommand({ UserPoolId: userPoolId, Username: user.email }),
    );
    attributes = existing.UserAttributes;
  }
  const sub = attributes?.find((attribute) => attribute.Name === "sub")?.Value;
  if (!sub) throw new Error(`Cognito returned no sub for ${user.email}`);
  await cognito.send(
    new AdminSetUserPasswordCommand({
      UserPoolId: userPoolId,
      Username: user.email,
      Password: user.password,
      Permanent: true,
    }),
  );
  for (const group of user.groups) {
    await cognito.send(
      new AdminAddUserToGroupCommand({ UserPoolId: userPoolId, Username: user.email, GroupName: group }),
    );
  }
  return sub;
}

/** The attachments bucket, with the CORS rules browsers need for presigned PUTs and GETs. */
export async function ensureBucket(
  s3: S3Client,
  bucket: string,
  allowedOrigins: readonly string[],
): Promise<void> {
  try {
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  } catch (error) {
    if (!(error instanceof BucketAlreadyOwnedByYou) && (error as Error).name !== "BucketAlreadyExists")
      throw error;
  }
  await s3.send(
    new PutBucketCorsCommand({
      Bucket: bucket,
      CORSConfiguration: {
        // The same rules as the deployed bucket.
        CORSRules: ATTACHMENT_CORS_RULES.map((rule) => ({
          AllowedOrigins: [...allowedOrigins],
          AllowedMethods: [...rule.allowedMethods],
          ...(rule.allowedHeaders.length ? { AllowedHeaders: [...rule.allowedHeaders] } : {}),
          MaxAgeSeconds: ATTACHMENT_CORS_MAX_AGE_SECONDS,
        })),
      },
    }),
  );
}
