import {
  API_ATTACHMENT_READERS,
  API_ATTACHMENT_UPLOADERS,
  API_PHOTO_READERS,
  API_PHOTO_UPLOADERS,
  API_TABLE_ACCESS,
  type ApiArea,
  ATTACHMENT_KEY_PREFIX,
  PROFILE_PHOTO_KEY_PREFIX,
} from "@hearth/api-handlers";
import { TABLE_SPECS, type TableName, type TableNames, tableEnvironment } from "@hearth/domain";
import { ATTACHMENT_DELETERS, PROCESSOR_TABLE_ACCESS, type ProcessorName } from "@hearth/stream-processors";
import { Aws, CfnOutput, Duration, Stack, type StackProps } from "aws-cdk-lib";
import type * as cognito from "aws-cdk-lib/aws-cognito";
import type * as dynamodb from "aws-cdk-lib/aws-dynamodb";
import * as iam from "aws-cdk-lib/aws-iam";
import type * as lambda from "aws-cdk-lib/aws-lambda";
import * as secretsmanager from "aws-cdk-lib/aws-secretsmanager";
import * as ses from "aws-cdk-lib/aws-ses";
import type { Construct } from "constructs";
import { type EnvironmentConfig, removalPolicyOf } from "../config.js";
import { Alarms } from "../constructs/alarms.js";
import { HearthFunction } from "../constructs/hearth-function.js";
import { RestApi } from "../constructs/rest-api.js";
import { StreamProcessors } from "../constructs/stream-processors.js";
import { API_FUNCTIONS, PROCESSOR_FUNCTIONS } from "../functions.js";
import { grantTableAccess } from "../grants.js";
import { acknowledgeNag } from "../nag.js";
import { attachmentsBucketName } from "./data-stack.js";

export interface AppStackProps extends StackProps {
  config: EnvironmentConfig;
  tables: Record<TableName, dynamodb.ITable>;
  userPool: cognito.IUserPool;
  userPoolClient: cognito.IUserPoolClient;
}

/** The keys of the deployed outputs file; the local stack writes the same keys. */
export const OUTPUT_KEYS = [
  "Region",
  "ApiUrl",
  "UserPoolId",
  "UserPoolClientId",
  "AttachmentsBucket",
] as const;
export type OutputKey = (typeof OUTPUT_KEYS)[number];

/**
 * The stateless part: the functions, the REST API in front of the API functions, the
 * stream event source mappings of the processors, alarms, and the outputs.
 */
export class AppStack extends Stack {
  readonly apiFunctions: Record<ApiArea, HearthFunction>;
  readonly processorFunctions: Record<ProcessorName, HearthFunction>;
  readonly restApi: RestApi;
  readonly streamProcessors: StreamProcessors;
  readonly alarms: Alarms;

  constructor(scope: Construct, id: string, props: AppStackProps) {
    super(scope, id, props);
    const { config, tables } = props;
    const attachmentsBucket = attachmentsBucketName(config);
    const tableNames = Object.fromEntries(
      TABLE_SPECS.map((spec) => [spec.name, tables[spec.name].tableName]),
    ) as TableNames;

    const cursorSecret = new secretsmanager.Secret(this, "CursorSecret", {
      description: `Hearth ${config.name}: HMAC key that signs pagination cursors`,
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
      removalPolicy: removalPolicyOf(config),
    });
    acknowledgeNag(cursorSecret, [
      {
        id: "AwsSolutions-SMG4",
        reason:
          "The cursor key is read at deploy time into the functions' environment; rotating it only invalidates open pagination cursors, so it is rotated by replacing the secret on a deploy.",
      },
    ]);

    this.apiFunctions = Object.fromEntries(
      API_FUNCTIONS.map((definition) => {
        const fn = new HearthFunction(this, definition.name, {
          definition,
          config,
          description: `Hearth ${config.name} API: ${definition.area}`,
          memorySize: 512,
          timeout: Duration.seconds(10),
          environment: {
            ...tableEnvironment(tableNames),
            // Resolved by CloudFormation at deploy time (a dynamic reference), never in the template.
            CURSOR_SECRET: cursorSecret.secretValue.unsafeUnwrap(),
            ALLOWED_ORIGINS: config.allowedOrigins.join(","),
            // Every area presigns URLs of the files bucket (at least profile photos).
            ATTACHMENTS_BUCKET: attachmentsBucket,
          },
        });
        grantTableAccess(fn.function, tables, API_TABLE_ACCESS[definition.area]);
        return [definition.area, fn];
      }),
    ) as Record<ApiArea, HearthFunction>;
    // A presigned URL carries its signer's rights: each area gets exactly the actions and
    // prefixes the route table says it signs for (see routes.ts).
    const objectGrants: Array<{ areas: readonly ApiArea[]; action: string; prefix: string; reason: string }> =
      [
        {
          areas: API_ATTACHMENT_UPLOADERS,
          action: "s3:PutObject",
          prefix: ATTACHMENT_KEY_PREFIX,
          reason:
            "Upload keys are generated per attachment (attachments/<user>/<id>/<file>), so the presign right covers that prefix only.",
        },
        {
          areas: API_ATTACHMENT_READERS,
          action: "s3:GetObject",
          prefix: ATTACHMENT_KEY_PREFIX,
          reason:
            "Attachment download URLs are presigned per attachment of the messages a participant reads; participation is checked before signing.",
        },
        {
          areas: API_PHOTO_UPLOADERS,
          action: "s3:PutObject",
          prefix: PROFILE_PHOTO_KEY_PREFIX,
          reason:
            "Photo upload keys are generated per upload (profile-photos/<user>/<ulid>.<ext>), so the presign right covers that prefix only.",
        },
        {
          areas: API_PHOTO_READERS,
          action: "s3:GetObject",
          prefix: PROFILE_PHOTO_KEY_PREFIX,
          reason:
            "Profile photos are served as presigned GETs wherever a member's photo appears; keys are per upload, so the right covers the photo prefix only.",
        },
      ];
    for (const { areas, action, prefix, reason } of objectGrants) {
      for (const area of areas) {
        const fn = this.apiFunctions[area];
        fn.function.addToRolePolicy(
          new iam.PolicyStatement({
            actions: [action],
            resources: [`arn:${Aws.PARTITION}:s3:::${attachmentsBucket}/${prefix}*`],
          }),
        );
        acknowledgeNag(fn.role, [
          {
            id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::hearth-${config.name}-attachments-<AWS::AccountId>-<AWS::Region>/${prefix}*]`,
            reason,
          },
        ]);
      }
    }

    this.processorFunctions = Object.fromEntries(
      PROCESSOR_FUNCTIONS.map((definition) => {
        const fn = new HearthFunction(this, definition.name, {
          definition,
          config,
          description: `Hearth ${config.name} stream processor: ${definition.processor}`,
          memorySize: 512,
          timeout: Duration.seconds(60),
          environment: {
            ...tableEnvironment(tableNames),
            SENDER_EMAIL: config.senderEmail,
            SITE_URL: config.siteUrl,
            NOTIFICATION_WINDOW_MINUTES: String(config.notificationWindowMinutes),
            ...((ATTACHMENT_DELETERS as readonly ProcessorName[]).includes(definition.processor)
              ? { ATTACHMENTS_BUCKET: attachmentsBucket }
              : {}),
          },
        });
        grantTableAccess(fn.function, tables, PROCESSOR_TABLE_ACCESS[definition.processor]);
        return [definition.processor, fn];
      }),
    ) as Record<ProcessorName, HearthFunction>;

    // The files of deleted messages are removed by the attachments processor, nobody else.
    for (const processor of ATTACHMENT_DELETERS) {
      const fn = this.processorFunctions[processor];
      fn.function.addToRolePolicy(
        new iam.PolicyStatement({
          actions: ["s3:DeleteObject"],
          resources: [`arn:${Aws.PARTITION}:s3:::${attachmentsBucket}/${ATTACHMENT_KEY_PREFIX}*`],
        }),
      );
      acknowledgeNag(fn.role, [
        {
          id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::hearth-${config.name}-attachments-<AWS::AccountId>-<AWS::Region>/${ATTACHMENT_KEY_PREFIX}*]`,
          reason:
            "A deleted message's attachment keys are known only from the stream record, so the delete right covers the attachments prefix only.",
        },
      ]);
    }

    if (config.createSesIdentity) {
      new ses.EmailIdentity(this, "SenderIdentity", {
        identity: config.sesIdentity.includes("@")
          ? ses.Identity.email(config.sesIdentity)
          : ses.Identity.domain(config.sesIdentity),
      });
    }
    const notifications = this.processorFunctions.notifications.function;
    notifications.addToRolePolicy(
      new iam.PolicyStatement({
        // The processor sends with SendEmail only.
        actions: ["ses:SendEmail"],
        resources: [
          this.formatArn({ service: "ses", resource: "identity", resourceName: config.sesIdentity }),
          // In the sandbox SES authorizes the recipients' (verified) identities as well.
          ...(config.sesSandbox
            ? [this.formatArn({ service: "ses", resource: "identity", resourceName: "*" })]
            : []),
        ],
      }),
    );
    if (config.sesSandbox && notifications.role) {
      acknowledgeNag(notifications.role, [
        {
          id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ses:<AWS::Region>:<AWS::AccountId>:identity/*]`,
          reason:
            "SES sandbox (non-production): SES checks SendEmail against every recipient's verified identity, which cannot be listed in advance; production sends as its one identity only.",
        },
      ]);
    }

    this.restApi = new RestApi(this, "RestApi", {
      config,
      userPool: props.userPool,
      handlers: functionsOf(this.apiFunctions),
    });
    this.streamProcessors = new StreamProcessors(this, "Streams", {
      tables,
      processors: functionsOf(this.processorFunctions),
    });

    this.alarms = new Alarms(this, "Alarms", { environmentName: config.name, alarmEmail: config.alarmEmail });
    for (const [name, fn] of Object.entries({ ...this.apiFunctions, ...this.processorFunctions })) {
      const period = Duration.minutes(5);
      this.alarms.atLeast(`${name}-errors`, fn.function.metricErrors({ period }), 1, `${name} threw errors`);
      this.alarms.atLeast(
        `${name}-throttles`,
        fn.function.metricThrottles({ period }),
        1,
        `${name} was throttled`,
      );
    }
    for (const [name, queue] of Object.entries(this.streamProcessors.deadLetterQueues)) {
      this.alarms.deadLetters(`${name}-dead-letters`, queue, `Stream records of ${name} failed for good`);
    }
    this.alarms.atLeast(
      "api-5xx",
      this.restApi.api.metricServerError({ period: Duration.minutes(5) }),
      1,
      "The API answered with 5xx",
    );

    const outputs: Record<OutputKey, string> = {
      Region: Aws.REGION,
      ApiUrl: this.restApi.api.url,
      UserPoolId: props.userPool.userPoolId,
      UserPoolClientId: props.userPoolClient.userPoolClientId,
      AttachmentsBucket: attachmentsBucket,
    };
    for (const key of OUTPUT_KEYS) new CfnOutput(this, key, { value: outputs[key] });
  }
}

function functionsOf<K extends string>(functions: Record<K, HearthFunction>): Record<K, lambda.IFunction> {
  const entries = Object.entries<HearthFunction>(functions).map(([key, fn]): [string, lambda.IFunction] => [
    key,
    fn.function,
  ]);
  return Object.fromEntries(entries) as Record<K, lambda.IFunction>;
}
