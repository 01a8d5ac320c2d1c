import {
  API_ATTACHMENT_READERS,
  API_ATTACHMENT_UPLOADERS,
  API_EXPORT_READERS,
  API_FUNCTION_TIMEOUT_SECONDS,
  API_GROUP_MANAGERS,
  API_PHOTO_READERS,
  API_PHOTO_UPLOADERS,
  API_TABLE_ACCESS,
  type ApiArea,
  ATTACHMENT_KEY_PREFIX,
  PROFILE_PHOTO_KEY_PREFIX,
  REALTIME_ROUTES_TABLE_ACCESS,
  type RealtimeFunctionName,
} from "@hearth/api-handlers";
import {
  EXPORT_KEY_PREFIX,
  RATE_LIMITS_ENV,
  TABLE_SPECS,
  type TableName,
  type TableNames,
  tableEnvironment,
} from "@hearth/domain";
import {
  ACCOUNT_DELETERS,
  ATTACHMENT_DELETERS,
  EMAIL_EVENTS_TABLE_ACCESS,
  EMAIL_EVENTS_TIMEOUT_SECONDS,
  EMAIL_SENDERS,
  EXPORT_WRITERS,
  PROCESSOR_TABLE_ACCESS,
  type ProcessorName,
  processorTimeoutSeconds,
  WEBSOCKET_MANAGEMENT_ENDPOINT_ENV,
  WEBSOCKET_PUSHERS,
} from "@hearth/stream-processors";
import { Aws, CfnOutput, Duration, Stack, type StackProps } from "aws-cdk-lib";
import * as cloudwatch from "aws-cdk-lib/aws-cloudwatch";
import type * as cognito from "aws-cdk-lib/aws-cognito";
import type * as dynamodb from "aws-cdk-lib/aws-dynamodb";
import * as iam from "aws-cdk-lib/aws-iam";
import type * as lambda from "aws-cdk-lib/aws-lambda";
import * as destinations from "aws-cdk-lib/aws-lambda-destinations";
import * as secretsmanager from "aws-cdk-lib/aws-secretsmanager";
import * as ses from "aws-cdk-lib/aws-ses";
import * as subscriptions from "aws-cdk-lib/aws-sns-subscriptions";
import * as sqs from "aws-cdk-lib/aws-sqs";
import type { Construct } from "constructs";
import { type EnvironmentConfig, removalPolicyOf } from "../config.js";
import { Alarms } from "../constructs/alarms.js";
import { HearthFunction } from "../constructs/hearth-function.js";
import { NotificationDigests } from "../constructs/notification-digests.js";
import { RestApi } from "../constructs/rest-api.js";
import { configurationSetName as configurationSetNameOf, type SesEvents } from "../constructs/ses-events.js";
import { FAILED_RECORDS_METRICS_ID, StreamProcessors } from "../constructs/stream-processors.js";
import { WebAcl } from "../constructs/web-acl.js";
import { WebSocketApi } from "../constructs/websocket-api.js";
import {
  API_FUNCTIONS,
  EMAIL_EVENTS_FUNCTION,
  PROCESSOR_FUNCTIONS,
  REALTIME_FUNCTIONS,
} from "../functions.js";
import { grantTableAccess } from "../grants.js";
import { acknowledgeNag } from "../nag.js";
import { attachmentsBucketName } from "./data-stack.js";

export interface AppStackProps extends StackProps {
  config: EnvironmentConfig;
  tables: Record<TableName, dynamodb.ITable>;
  userPool: cognito.IUserPool;
  userPoolClient: cognito.IUserPoolClient;
  /** The user pool's sign-in trigger (Auth stack): alarmed here with the other functions. */
  signInTrigger: lambda.IFunction;
  /** The SES configuration set and its bounce/complaint topic (Auth stack, which deploys first). */
  sesEvents: SesEvents;
}

/** The keys of the deployed outputs file; the local stack writes the same keys. */
export const OUTPUT_KEYS = [
  "Region",
  "ApiUrl",
  "UserPoolId",
  "UserPoolClientId",
  "AttachmentsBucket",
  "WebSocketUrl",
] as const;
export type OutputKey = (typeof OUTPUT_KEYS)[number];

/**
 * The stateless part: the functions, the REST API in front of the API functions, the
 * stream event source mappings of the processors, alarms, and the outputs.
 */
export class AppStack extends Stack {
  readonly apiFunctions: Record<ApiArea, HearthFunction>;
  readonly processorFunctions: Record<ProcessorName, HearthFunction>;
  /** Suppresses the addresses of the configuration set's bounces and complaints. */
  readonly emailEventsFunction: HearthFunction;
  /** SES events the function failed on after Lambda's retries (or SNS could not deliver). */
  readonly emailEventsDeadLetters: sqs.Queue;
  readonly realtimeFunctions: Record<RealtimeFunctionName, HearthFunction>;
  readonly webSocketApi: WebSocketApi;
  readonly restApi: RestApi;
  readonly streamProcessors: StreamProcessors;
  readonly alarms: Alarms;
  readonly digests: NotificationDigests;
  readonly webAcl?: WebAcl;

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
          "No rotation schedule: the key only signs pagination cursors (no data is protected by it), and rotating it needs no coordination - an operator runs `aws secretsmanager put-secret-value` with a new random value (README, Secrets), Secrets Manager moves the old value to AWSPREVIOUS, and the API functions read both at runtime (5 minute cache), so open cursors keep working. A rotation Lambda would add a function to run and alarm for no security gain.",
      },
    ]);

    this.apiFunctions = Object.fromEntries(
      API_FUNCTIONS.map((definition) => {
        const fn = new HearthFunction(this, definition.name, {
          definition,
          config,
          description: `Hearth ${config.name} API: ${definition.area}`,
          memorySize: 512,
          timeout: Duration.seconds(API_FUNCTION_TIMEOUT_SECONDS),
          environment: {
            ...tableEnvironment(tableNames),
            // An ARN, not the value: the function reads the secret at runtime (see @hearth/domain/cursor-keys).
            CURSOR_SECRET_ARN: cursorSecret.secretArn,
            ALLOWED_ORIGINS: config.allowedOrigins.join(","),
            // Validated again when the function starts (the same schema as the config file's).
            [RATE_LIMITS_ENV]: JSON.stringify(config.rateLimits),
            // Every area presigns URLs of the files bucket (at least profile photos).
            ATTACHMENTS_BUCKET: attachmentsBucket,
            ...((API_GROUP_MANAGERS as readonly ApiArea[]).includes(definition.area)
              ? { USER_POOL_ID: props.userPool.userPoolId }
              : {}),
          },
        });
        grantTableAccess(fn.function, tables, API_TABLE_ACCESS[definition.area]);
        // Reading the value is all it needs (not DescribeSecret, nor any other secret).
        fn.function.addToRolePolicy(
          new iam.PolicyStatement({
            actions: ["secretsmanager:GetSecretValue"],
            resources: [cursorSecret.secretArn],
          }),
        );
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
        {
          areas: API_EXPORT_READERS,
          action: "s3:GetObject",
          prefix: EXPORT_KEY_PREFIX,
          reason:
            "A finished export's download link is a presigned GET; export keys are per member and job, so the right covers the exports prefix only.",
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

    // Approving a member adds them to ApprovedUsers: that one action, on this user pool only.
    for (const area of API_GROUP_MANAGERS) {
      this.apiFunctions[area].function.addToRolePolicy(
        new iam.PolicyStatement({
          actions: ["cognito-idp:AdminAddUserToGroup"],
          resources: [props.userPool.userPoolArn],
        }),
      );
    }

    // The WebSocket API: its $connect authorizer verifies ID tokens of this pool's app client
    // (no table); its routes function keeps the Connections table, and nothing else.
    this.realtimeFunctions = Object.fromEntries(
      REALTIME_FUNCTIONS.map((definition) => {
        const isAuthorizer = definition.name === "realtime-authorizer";
        const fn = new HearthFunction(this, definition.name, {
          definition,
          config,
          description: `Hearth ${config.name} WebSocket API: ${isAuthorizer ? "$connect authorizer" : "routes"}`,
          memorySize: isAuthorizer ? 256 : 512,
          timeout: Duration.seconds(API_FUNCTION_TIMEOUT_SECONDS),
          environment: isAuthorizer
            ? {
                USER_POOL_ID: props.userPool.userPoolId,
                USER_POOL_CLIENT_ID: props.userPoolClient.userPoolClientId,
              }
            : tableEnvironment(tableNames),
        });
        if (!isAuthorizer) grantTableAccess(fn.function, tables, REALTIME_ROUTES_TABLE_ACCESS);
        return [definition.name, fn];
      }),
    ) as Record<RealtimeFunctionName, HearthFunction>;
    this.webSocketApi = new WebSocketApi(this, "WebSocketApi", {
      config,
      authorizer: this.realtimeFunctions["realtime-authorizer"].function,
      routes: this.realtimeFunctions["realtime-routes"].function,
    });

    // The processors that touch the files bucket learn its name.
    const pushers: readonly ProcessorName[] = WEBSOCKET_PUSHERS;
    const bucketUsers: readonly ProcessorName[] = [...ATTACHMENT_DELETERS, ...EXPORT_WRITERS, ...pushers];
    const accountDeleters: readonly ProcessorName[] = ACCOUNT_DELETERS;
    const emailSenders: readonly ProcessorName[] = EMAIL_SENDERS;
    // The name, not a reference: it is fixed per environment, and the Auth stack deploys first.
    const configurationSetName = configurationSetNameOf(config.name);
    this.processorFunctions = Object.fromEntries(
      PROCESSOR_FUNCTIONS.map((definition) => {
        const fn = new HearthFunction(this, definition.name, {
          definition,
          config,
          description: `Hearth ${config.name} stream processor: ${definition.processor}`,
          memorySize: 512,
          timeout: Duration.seconds(processorTimeoutSeconds(definition.processor)),
          environment: {
            ...tableEnvironment(tableNames),
            SENDER_EMAIL: config.senderEmail,
            SITE_URL: config.siteUrl,
            NOTIFICATION_WINDOW_MINUTES: String(config.notificationWindowMinutes),
            ...(emailSenders.includes(definition.processor)
              ? { SES_CONFIGURATION_SET: configurationSetName }
              : {}),
            ...(bucketUsers.includes(definition.processor) ? { ATTACHMENTS_BUCKET: attachmentsBucket } : {}),
            ...(pushers.includes(definition.processor)
              ? { [WEBSOCKET_MANAGEMENT_ENDPOINT_ENV]: this.webSocketApi.managementEndpoint }
              : {}),
            ...(accountDeleters.includes(definition.processor)
              ? {
                  USER_POOL_ID: props.userPool.userPoolId,
                  [RATE_LIMITS_ENV]: JSON.stringify(config.rateLimits),
                }
              : {}),
          },
        });
        grantTableAccess(fn.function, tables, PROCESSOR_TABLE_ACCESS[definition.processor]);
        return [definition.processor, fn];
      }),
    ) as Record<ProcessorName, HearthFunction>;

    // The files of deleted messages are removed, and the uploads of new ones retagged sent
    // (so the pending-upload expiry spares them), by the attachments processor, nobody else.
    for (const processor of ATTACHMENT_DELETERS) {
      const fn = this.processorFunctions[processor];
      fn.function.addToRolePolicy(
        new iam.PolicyStatement({
          actions: ["s3:DeleteObject", "s3:PutObjectTagging"],
          resources: [`arn:${Aws.PARTITION}:s3:::${attachmentsBucket}/${ATTACHMENT_KEY_PREFIX}*`],
        }),
      );
      // A deleted member's data exports (the profile's removal on the UserProfiles stream): listed
      // under exports/<member>/ and deleted.
      fn.function.addToRolePolicy(
        new iam.PolicyStatement({
          actions: ["s3:ListBucket"],
          resources: [`arn:${Aws.PARTITION}:s3:::${attachmentsBucket}`],
          conditions: { StringLike: { "s3:prefix": [`${EXPORT_KEY_PREFIX}*`] } },
        }),
      );
      fn.function.addToRolePolicy(
        new iam.PolicyStatement({
          actions: ["s3:DeleteObject"],
          resources: [`arn:${Aws.PARTITION}:s3:::${attachmentsBucket}/${EXPORT_KEY_PREFIX}*`],
        }),
      );
      acknowledgeNag(fn.role, [
        {
          id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::hearth-${config.name}-attachments-<AWS::AccountId>-<AWS::Region>/${EXPORT_KEY_PREFIX}*]`,
          reason:
            "A deleted member's exports are listed under exports/<member>/ when their profile goes, so the delete right covers the exports prefix only.",
        },
        {
          id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::hearth-${config.name}-attachments-<AWS::AccountId>-<AWS::Region>/${ATTACHMENT_KEY_PREFIX}*]`,
          reason:
            "A message's attachment keys are known only from the stream record, so the delete and retag rights cover the attachments prefix only.",
        },
      ]);
    }

    // The realtime fanout posts to this API's connections, and signs the download URLs of the
    // attachments and photos it shows (GETs only, on those two prefixes).
    for (const processor of WEBSOCKET_PUSHERS) {
      const fn = this.processorFunctions[processor];
      this.webSocketApi.grantPostToConnections(fn.function);
      for (const prefix of [ATTACHMENT_KEY_PREFIX, PROFILE_PHOTO_KEY_PREFIX]) {
        fn.function.addToRolePolicy(
          new iam.PolicyStatement({
            actions: ["s3:GetObject"],
            resources: [`arn:${Aws.PARTITION}:s3:::${attachmentsBucket}/${prefix}*`],
          }),
        );
      }
      acknowledgeNag(fn.role, [
        {
          id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::hearth-${config.name}-attachments-<AWS::AccountId>-<AWS::Region>/${ATTACHMENT_KEY_PREFIX}*]`,
          reason:
            "A pushed message shows its attachments with presigned GETs, as the REST API does; attachment keys are per upload, so the right covers the attachments prefix only.",
        },
        {
          id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::hearth-${config.name}-attachments-<AWS::AccountId>-<AWS::Region>/${PROFILE_PHOTO_KEY_PREFIX}*]`,
          reason:
            "A pushed comment shows its author's uploaded photo as a presigned GET, as the REST API does; the right covers the photo prefix only.",
        },
      ]);
    }

    // Export documents are written by the export worker only (multipart: PutObject covers the
    // parts and completion; an abandoned upload is aborted).
    for (const processor of EXPORT_WRITERS) {
      const fn = this.processorFunctions[processor];
      fn.function.addToRolePolicy(
        new iam.PolicyStatement({
          actions: ["s3:PutObject", "s3:AbortMultipartUpload"],
          resources: [`arn:${Aws.PARTITION}:s3:::${attachmentsBucket}/${EXPORT_KEY_PREFIX}*`],
        }),
      );
      acknowledgeNag(fn.role, [
        {
          id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::hearth-${config.name}-attachments-<AWS::AccountId>-<AWS::Region>/${EXPORT_KEY_PREFIX}*]`,
          reason:
            "Each export is written under exports/<member>/<job>/, known only when the job runs, so the write right covers the exports prefix only.",
        },
      ]);
    }

    // An account deletion removes, last, the member's user-pool user: that right, on this pool
    // only, for the deletion worker alone.
    for (const processor of ACCOUNT_DELETERS) {
      this.processorFunctions[processor].function.addToRolePolicy(
        new iam.PolicyStatement({
          actions: ["cognito-idp:AdminDeleteUser"],
          resources: [props.userPool.userPoolArn],
        }),
      );
    }

    if (config.createSesIdentity) {
      new ses.EmailIdentity(this, "SenderIdentity", {
        identity: config.sesIdentity.includes("@")
          ? ses.Identity.email(config.sesIdentity)
          : ses.Identity.domain(config.sesIdentity),
      });
    }
    // Every email sender sends with SendEmail only, as the identity and through the
    // configuration set (SES authorizes a send against both).
    const sesSendStatement = new iam.PolicyStatement({
      actions: ["ses:SendEmail"],
      resources: [
        this.formatArn({ service: "ses", resource: "identity", resourceName: config.sesIdentity }),
        this.formatArn({ service: "ses", resource: "configuration-set", resourceName: configurationSetName }),
        // In the sandbox SES authorizes the recipients' (verified) identities as well.
        ...(config.sesSandbox
          ? [this.formatArn({ service: "ses", resource: "identity", resourceName: "*" })]
          : []),
      ],
    });
    for (const processor of EMAIL_SENDERS) {
      this.processorFunctions[processor].function.addToRolePolicy(sesSendStatement);
    }

    // Held events go out as one digest per window, triggered by a one-time schedule.
    const notifications = this.processorFunctions.notifications.function;
    this.digests = new NotificationDigests(this, "Digests", {
      config,
      tables,
      tableNames,
      sesSendStatement,
      removalPolicy: removalPolicyOf(config),
    });
    this.digests.allowScheduling(notifications, this.processorFunctions.notifications.role);
    this.digests.digestFunction.function.addEnvironment("SES_CONFIGURATION_SET", configurationSetName);
    const emailSendingFunctions = [
      ...EMAIL_SENDERS.map((processor) => this.processorFunctions[processor]),
      this.digests.digestFunction,
    ];
    if (config.sesSandbox) {
      for (const { role } of emailSendingFunctions) {
        acknowledgeNag(role, [
          {
            id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ses:<AWS::Region>:<AWS::AccountId>:identity/*]`,
            reason:
              "SES sandbox (non-production): SES checks SendEmail against every recipient's verified identity, which cannot be listed in advance; production sends as its one identity only.",
          },
        ]);
      }
    }

    // Bounces and complaints: SES → SNS topic → this function, which suppresses the addresses.
    // SNS invokes it asynchronously: Lambda retries a failed event twice, then keeps it in the
    // queue (as does SNS for an event it could not hand to Lambda at all), never lost.
    this.emailEventsDeadLetters = new sqs.Queue(this, "EmailEventsDeadLetters", {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      removalPolicy: removalPolicyOf(config),
    });
    acknowledgeNag(this.emailEventsDeadLetters, [
      {
        id: "AwsSolutions-SQS3",
        reason:
          "This queue is the dead-letter destination of the SES event function; it has none of its own.",
      },
    ]);
    this.emailEventsFunction = new HearthFunction(this, EMAIL_EVENTS_FUNCTION.name, {
      definition: EMAIL_EVENTS_FUNCTION,
      config,
      description: `Hearth ${config.name} SES events: suppress bounced and complained addresses`,
      memorySize: 256,
      timeout: Duration.seconds(EMAIL_EVENTS_TIMEOUT_SECONDS),
      environment: tableEnvironment(tableNames),
    });
    grantTableAccess(this.emailEventsFunction.function, tables, EMAIL_EVENTS_TABLE_ACCESS);
    this.emailEventsFunction.function.configureAsyncInvoke({
      retryAttempts: 2,
      onFailure: new destinations.SqsDestination(this.emailEventsDeadLetters),
    });
    props.sesEvents.topic.addSubscription(
      new subscriptions.LambdaSubscription(this.emailEventsFunction.function, {
        deadLetterQueue: this.emailEventsDeadLetters,
      }),
    );

    this.restApi = new RestApi(this, "RestApi", {
      config,
      userPool: props.userPool,
      handlers: functionsOf(this.apiFunctions),
    });
    // Unsubscribe links point at the API and are signed with a key derived from the cursor
    // secret: the email senders learn the stage URL (the processors depend on the
    // API, never the other way round, so there is no cycle) and may read the secret.
    for (const { function: sender } of emailSendingFunctions) {
      sender.addEnvironment("API_URL", this.restApi.api.url);
      sender.addEnvironment("CURSOR_SECRET_ARN", cursorSecret.secretArn);
      sender.addToRolePolicy(
        new iam.PolicyStatement({
          actions: ["secretsmanager:GetSecretValue"],
          resources: [cursorSecret.secretArn],
        }),
      );
    }
    if (config.waf.enabled) {
      this.webAcl = new WebAcl(this, "Waf", {
        environmentName: config.name,
        stage: this.restApi.api.deploymentStage,
        requestsPerIpPer5Minutes: config.waf.requestsPerIpPer5Minutes,
      });
    }
    this.streamProcessors = new StreamProcessors(this, "Streams", {
      tables,
      processors: functionsOf(this.processorFunctions),
      removalPolicy: removalPolicyOf(config),
    });

    this.alarms = new Alarms(this, "Alarms", {
      environmentName: config.name,
      alarmEmail: config.alarmEmail,
      alarmTopicArn: config.alarmTopicArn,
    });
    this.addAlarms(tables, props.signInTrigger);

    const outputs: Record<OutputKey, string> = {
      Region: Aws.REGION,
      ApiUrl: this.restApi.api.url,
      UserPoolId: props.userPool.userPoolId,
      UserPoolClientId: props.userPoolClient.userPoolClientId,
      AttachmentsBucket: attachmentsBucket,
      WebSocketUrl: this.webSocketApi.url,
    };
    for (const key of OUTPUT_KEYS) new CfnOutput(this, key, { value: outputs[key] });
  }

  /**
   * What an operator must hear about, by the layer it happens in. Thresholds: any function
   * error, throttle or failed stream batch is a defect worth a look; the API's 5xx rate and
   * p99 latency over a sustained window (not a single cold start); records waiting in a stream
   * for 5 minutes (emails would go out late); SES's reputation at the rates where SES starts a
   * review (bounces 5 %, complaints 0.1 %), well before it pauses sending (10 % / 0.5 %).
   */
  private addAlarms(tables: Record<TableName, dynamodb.ITable>, signInTrigger: lambda.IFunction): void {
    const period = Duration.minutes(5);
    const alarms = this.alarms;
    const api = this.restApi.api;
    alarms.section("API", () => {
      alarms.alarm("api-5xx-rate", {
        metric: new cloudwatch.MathExpression({
          expression: "IF(requests > 0, 100 * errors / requests, 0)",
          usingMetrics: {
            errors: api.metricServerError({ period, statistic: "Sum" }),
            requests: api.metricCount({ period, statistic: "SampleCount" }),
          },
          label: "5xx responses (% of requests)",
          period,
        }),
        threshold: 5,
        description: "API 5xx responses reached 5% of requests",
      });
      alarms.alarm("api-p99-latency", {
        metric: api.metricLatency({ period, statistic: "p99" }),
        threshold: 2000,
        evaluationPeriods: 3,
        description: "API p99 latency stayed at or above 2 s for 15 minutes",
      });
    });
    alarms.section("Functions", () => {
      for (const [name, fn] of Object.entries({
        ...this.apiFunctions,
        ...this.processorFunctions,
        [EMAIL_EVENTS_FUNCTION.name]: this.emailEventsFunction,
        ...this.realtimeFunctions,
      })) {
        alarms.alarm(`${name}-errors`, {
          metric: fn.function.metricErrors({ period }),
          threshold: 1,
          description: `${name} threw errors`,
        });
        alarms.alarm(`${name}-throttles`, {
          metric: fn.function.metricThrottles({ period }),
          threshold: 1,
          description: `${name} was throttled`,
        });
      }
      const digests = this.digests.digestFunction.function;
      alarms.alarm("notification-digests-errors", {
        metric: digests.metricErrors({ period }),
        threshold: 1,
        description: "The digest function failed (each failure is retried; its claim was given back)",
      });
      alarms.alarm("notification-digests-throttles", {
        metric: digests.metricThrottles({ period }),
        threshold: 1,
        description: "The digest function was throttled",
      });
      alarms.alarm("notification-digests-dead-letters", {
        metric: this.digests.deadLetters.metricApproximateNumberOfMessagesVisible({
          period,
          statistic: "Maximum",
        }),
        threshold: 1,
        description:
          "A digest could not be delivered or sent after its retries (kept in the dead-letter queue)",
      });
      alarms.alarm("auth-sign-in-errors", {
        metric: signInTrigger.metricErrors({ period }),
        threshold: 1,
        description:
          "The sign-in trigger failed (timeouts or crashes; it logs and lets DynamoDB errors pass)",
      });
      alarms.alarm("auth-sign-in-throttles", {
        metric: signInTrigger.metricThrottles({ period }),
        threshold: 1,
        description: "The sign-in trigger was throttled",
      });
    });
    alarms.section("Streams", () => {
      for (const [name, fn] of Object.entries(this.processorFunctions)) {
        alarms.alarm(`${name}-iterator-age`, {
          metric: fn.function.metric("IteratorAge", { period, statistic: "Maximum" }),
          threshold: Duration.minutes(5).toMilliseconds(),
          description: `Stream records waited 5 minutes or more for ${name}`,
        });
      }
      const failedRecords = this.streamProcessors.failedRecords;
      alarms.alarm("failed-stream-records", {
        metric: new cloudwatch.Metric({
          namespace: "AWS/S3",
          metricName: "PutRequests",
          dimensionsMap: { BucketName: failedRecords.bucketName, FilterId: FAILED_RECORDS_METRICS_ID },
          period,
          statistic: "Sum",
        }),
        threshold: 1,
        description: "Stream records failed for good and were kept for pnpm replay",
      });
    });
    alarms.section("DynamoDB", () => {
      for (const spec of TABLE_SPECS) {
        const table = tables[spec.name];
        alarms.alarm(`${spec.name}-throttles`, {
          metric: new cloudwatch.MathExpression({
            expression: "reads + writes",
            usingMetrics: {
              reads: table.metric("ReadThrottleEvents", { period, statistic: "Sum" }),
              writes: table.metric("WriteThrottleEvents", { period, statistic: "Sum" }),
            },
            label: `${spec.name} throttled requests`,
            period,
          }),
          threshold: 1,
          description: `DynamoDB throttled requests to ${spec.name}`,
        });
      }
    });
    alarms.section("Email (SES, whole account)", () => {
      alarms.alarm("ses-events-dead-letters", {
        metric: this.emailEventsDeadLetters.metricApproximateNumberOfMessagesVisible({
          period,
          statistic: "Maximum",
        }),
        threshold: 1,
        description:
          "SES bounce or complaint events could not be applied and wait in the dead-letter queue (addresses may go on being emailed)",
      });
      alarms.alarm("ses-bounce-rate", {
        metric: new cloudwatch.Metric({ ...SES_REPUTATION, metricName: "Reputation.BounceRate" }),
        threshold: 0.05,
        description: "SES bounce rate reached 5% (SES reviews the account here and pauses sending at 10%)",
      });
      alarms.alarm("ses-complaint-rate", {
        metric: new cloudwatch.Metric({ ...SES_REPUTATION, metricName: "Reputation.ComplaintRate" }),
        threshold: 0.001,
        description:
          "SES complaint rate reached 0.1% (SES reviews the account here and pauses sending at 0.5%)",
      });
    });
  }
}

/** SES publishes its reputation metrics per account (no dimensions), about hourly. */
const SES_REPUTATION = { namespace: "AWS/SES", period: Duration.hours(1), statistic: "Maximum" } as const;

function functionsOf<K extends string>(functions: Record<K, HearthFunction>): Record<K, lambda.IFunction> {
  const entries = Object.entries<HearthFunction>(functions).map(([key, fn]): [string, lambda.IFunction] => [
    key,
    fn.function,
  ]);
  return Object.fromEntries(entries) as Record<K, lambda.IFunction>;
}
