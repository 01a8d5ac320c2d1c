import type { TableName } from "@hearth/domain";
import { EVENT_MANIFESTS } from "@hearth/stream-processors";
import { Duration, Stack, type StackProps } from "aws-cdk-lib";
import * as cognito from "aws-cdk-lib/aws-cognito";
import type * as dynamodb from "aws-cdk-lib/aws-dynamodb";
import type { Construct } from "constructs";
import { type EnvironmentConfig, removalPolicyOf } from "../config.js";
import { HearthFunction } from "../constructs/hearth-function.js";
import { SesEvents } from "../constructs/ses-events.js";
import { acknowledgeNag } from "../nag.js";

export interface AuthStackProps extends StackProps {
  config: EnvironmentConfig;
  /** For the sign-in trigger, which writes profiles. */
  tables: Record<TableName, dynamodb.ITable>;
}

/** Group names the handlers check (`cognito:groups`): members and admins. */
export const USER_GROUPS = ["Admins", "ApprovedUsers"] as const;

/** The user pool: email sign-in, strong passwords, admin approval through the ApprovedUsers group. */
export class AuthStack extends Stack {
  readonly userPool: cognito.UserPool;
  readonly webClient: cognito.UserPoolClient;
  readonly signInTrigger: HearthFunction;
  /**
   * The SES configuration set and its bounce/complaint topic: here, not in the App stack,
   * because the user pool sends through it and this stack deploys first.
   */
  readonly sesEvents: SesEvents;

  constructor(scope: Construct, id: string, props: AuthStackProps) {
    super(scope, id, props);
    const { config } = props;

    this.sesEvents = new SesEvents(this, "SesEvents", {
      environmentName: config.name,
      removalPolicy: removalPolicyOf(config),
    });
    const identityIsDomain = !config.sesIdentity.includes("@");

    this.userPool = new cognito.UserPool(this, "UserPool", {
      userPoolName: `hearth-${config.name}`,
      // Signing up only creates an account; the API admits a user once an admin adds them to ApprovedUsers.
      selfSignUpEnabled: config.selfSignUp,
      signInAliases: { email: true },
      signInCaseSensitive: false,
      autoVerify: { email: true },
      keepOriginal: { email: true },
      standardAttributes: { email: { required: true, mutable: true } },
      passwordPolicy: {
        minLength: 12,
        requireLowercase: true,
        requireUppercase: true,
        requireDigits: true,
        requireSymbols: true,
        tempPasswordValidity: Duration.days(3),
      },
      mfa: cognito.Mfa.OPTIONAL,
      mfaSecondFactor: { otp: true, sms: false },
      accountRecovery: cognito.AccountRecovery.EMAIL_ONLY,
      // Verification codes and password resets as the app's sender, through its configuration set.
      email:
        config.cognitoEmail === "ses"
          ? cognito.UserPoolEmail.withSES({
              fromEmail: config.senderEmail,
              fromName: "Hearth",
              ...(config.region ? { sesRegion: config.region } : {}),
              ...(identityIsDomain ? { sesVerifiedDomain: config.sesIdentity } : {}),
              configurationSetName: this.sesEvents.configurationSet.configurationSetName,
            })
          : cognito.UserPoolEmail.withCognito(),
      deletionProtection: config.production,
      removalPolicy: removalPolicyOf(config),
    });

    this.webClient = this.userPool.addClient("WebClient", {
      userPoolClientName: `hearth-${config.name}-web`,
      // A browser app cannot keep a secret; SRP keeps the password off the wire, refresh is always allowed.
      generateSecret: false,
      authFlows: { userSrp: true },
      disableOAuth: true,
      preventUserExistenceErrors: true,
      enableTokenRevocation: true,
      idTokenValidity: Duration.hours(1),
      accessTokenValidity: Duration.hours(1),
      refreshTokenValidity: Duration.days(30),
    });

    for (const [index, groupName] of USER_GROUPS.entries()) {
      this.userPool.addGroup(groupName, {
        groupName,
        precedence: index,
        description: groupName === "Admins" ? "Family archive administrators" : "Approved family members",
      });
    }

    // Pre Token Generation runs whenever the pool issues tokens: a password sign-in, the
    // new-password step of a user an admin created (Post Authentication is not the last step
    // there), and every refresh. It is the one trigger that is handed the user's groups, so
    // the profile's membership follows the groups the tokens carry.
    // Cognito waits at most 5 seconds for a trigger; the handler never throws, so a slow
    // DynamoDB costs one profile update at worst, never the sign-in.
    this.signInTrigger = new HearthFunction(this, EVENT_MANIFESTS.signIn.name, {
      manifest: EVENT_MANIFESTS.signIn,
      config,
      links: { config, tables: props.tables },
    });
    this.userPool.addTrigger(cognito.UserPoolOperation.PRE_TOKEN_GENERATION, this.signInTrigger.function);

    acknowledgeNag(this.userPool, [
      {
        id: "AwsSolutions-COG2",
        reason:
          "MFA is optional (TOTP) rather than required: members are family of all ages and an admin approves every account.",
      },
      {
        id: "AwsSolutions-COG8",
        reason:
          "Threat protection needs the Cognito Plus plan; the pool is small, invite-approved, and guarded by a strong password policy.",
      },
    ]);
  }
}
