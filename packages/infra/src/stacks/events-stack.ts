import type { TableName } from "@hearth/domain";
import type { ProcessorName } from "@hearth/stream-processors";
import { CfnOutput, Stack, type StackProps } from "aws-cdk-lib";
import type * as cognito from "aws-cdk-lib/aws-cognito";
import type * as dynamodb from "aws-cdk-lib/aws-dynamodb";
import type * as secretsmanager from "aws-cdk-lib/aws-secretsmanager";
import type * as sns from "aws-cdk-lib/aws-sns";
import type { Construct } from "constructs";
import { type EnvironmentConfig, removalPolicyOf } from "../config.js";
import { Alarms } from "../constructs/alarms.js";
import { EmailEvents } from "../constructs/email-events.js";
import { EmailSending } from "../constructs/email-sending.js";
import { FilesBucketAccess } from "../constructs/files-bucket-access.js";
import type { FunctionLinks } from "../constructs/function-links.js";
import type { HearthFunction } from "../constructs/hearth-function.js";
import { NotificationDigests } from "../constructs/notification-digests.js";
import { RealtimeApi } from "../constructs/realtime-api.js";
import type { SesEvents } from "../constructs/ses-events.js";
import { StreamProcessors } from "../constructs/stream-processors.js";
import type { OutputKey } from "./app-stack.js";

export interface EventsStackProps extends StackProps {
  config: EnvironmentConfig;
  tables: Record<TableName, dynamodb.ITable>;
  userPool: cognito.IUserPool;
  userPoolClient: cognito.IUserPoolClient;
  /** The SES configuration set and its bounce/complaint topic (Auth stack). */
  sesEvents: SesEvents;
  /** From the App stack: unsubscribe links point at the API and are signed with the cursor secret. */
  apiUrl: string;
  cursorSecret: secretsmanager.ISecret;
  /** From the App stack: the environment's alarm topic. */
  alarmTopic: sns.ITopic;
}

/**
 * What happens after a write: the stream processors and their mappings, the digests and their
 * schedules, the SES event function, and the realtime WebSocket API, with their alarms. Deploys
 * last (it reads the API's URL, the cursor secret and the alarm topic from the App stack).
 */
export class EventsStack extends Stack {
  readonly processorFunctions: Record<ProcessorName, HearthFunction>;
  readonly streamProcessors: StreamProcessors;
  readonly digests: NotificationDigests;
  readonly emailEvents: EmailEvents;
  readonly realtime: RealtimeApi;
  readonly alarms: Alarms;

  constructor(scope: Construct, id: string, props: EventsStackProps) {
    super(scope, id, props);
    const { config } = props;
    const links: FunctionLinks = {
      config,
      tables: props.tables,
      filesBucket: new FilesBucketAccess(config),
      userPool: props.userPool,
      userPoolClient: props.userPoolClient,
      cursorSecret: props.cursorSecret,
      apiUrl: props.apiUrl,
      email: new EmailSending(this, "Email", config),
    };
    this.realtime = new RealtimeApi(this, "Realtime", { links });
    this.digests = new NotificationDigests(this, "Digests", {
      links,
      removalPolicy: removalPolicyOf(config),
    });
    this.streamProcessors = new StreamProcessors(this, "Streams", {
      links: { ...links, digestSchedules: this.digests, webSocket: this.realtime.webSocketApi },
    });
    this.processorFunctions = this.streamProcessors.functions;
    this.emailEvents = new EmailEvents(this, "EmailEvents", { links, topic: props.sesEvents.topic });

    this.alarms = new Alarms(this, "EventAlarms", {
      environmentName: config.name,
      dashboardName: `hearth-${config.name}-events`,
      topic: props.alarmTopic,
      ...(config.alarmTopicArn ? { alarmTopicArn: config.alarmTopicArn } : {}),
    });
    this.alarms.section("Streams", () => this.streamProcessors.addAlarms(this.alarms));
    this.alarms.section("Realtime and digests", () => {
      this.alarms.functionAlarms([this.realtime.authorizer, this.realtime.routes]);
      this.digests.addAlarms(this.alarms);
    });
    this.alarms.section("Email (SES, whole account)", () => this.emailEvents.addAlarms(this.alarms));
    const outputs: Partial<Record<OutputKey, string>> = { WebSocketUrl: this.realtime.webSocketApi.url };
    for (const [key, value] of Object.entries(outputs)) new CfnOutput(this, key, { value });
  }
}
