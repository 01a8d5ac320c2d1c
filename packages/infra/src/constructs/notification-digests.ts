import { DIGEST_SCHEDULE_ENV, EVENT_MANIFESTS } from "@hearth/stream-processors";
import { Aws, Duration, type RemovalPolicy } from "aws-cdk-lib";
import * as iam from "aws-cdk-lib/aws-iam";
import { SqsDestination } from "aws-cdk-lib/aws-lambda-destinations";
import * as scheduler from "aws-cdk-lib/aws-scheduler";
import * as sqs from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import { acknowledgeNag } from "../nag.js";
import type { Alarms } from "./alarms.js";
import type { DigestSchedulesLink, FunctionLinks, LinkedFunction } from "./function-links.js";
import { HearthFunction } from "./hearth-function.js";

export interface NotificationDigestsProps {
  /** What the digest function's manifest takes (tables, email, the API's URL, the cursor secret). */
  links: FunctionLinks;
  removalPolicy: RemovalPolicy;
}

/**
 * Digest emails: the digest function, the schedule group its one-time schedules
 * live in, the role EventBridge Scheduler assumes to invoke it (that function only), and one
 * dead-letter queue for both a schedule Scheduler could not deliver and an invocation that
 * failed after Lambda's async retries. The notifications processor creates the schedules.
 */
export class NotificationDigests extends Construct implements DigestSchedulesLink {
  readonly digestFunction: HearthFunction;
  readonly scheduleGroup: scheduler.CfnScheduleGroup;
  readonly schedulerRole: iam.Role;
  readonly deadLetters: sqs.Queue;

  constructor(scope: Construct, id: string, props: NotificationDigestsProps) {
    super(scope, id);
    const { config } = props.links;
    this.deadLetters = new sqs.Queue(this, "DeadLetters", {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      removalPolicy: props.removalPolicy,
    });
    acknowledgeNag(this.deadLetters, [
      {
        id: "AwsSolutions-SQS3",
        reason:
          "This queue is the dead-letter queue of the digest schedules and of the digest function's async invocations; its depth raises an alarm.",
      },
    ]);

    this.digestFunction = new HearthFunction(this, EVENT_MANIFESTS.digests.name, {
      manifest: EVENT_MANIFESTS.digests,
      config,
      links: props.links,
    });
    const fn = this.digestFunction.function;
    // Scheduler invokes asynchronously: a failed digest (its claim given back) is retried by
    // Lambda, then kept in the dead-letter queue.
    fn.configureAsyncInvoke({
      retryAttempts: 2,
      maxEventAge: Duration.hours(6),
      onFailure: new SqsDestination(this.deadLetters),
    });

    this.scheduleGroup = new scheduler.CfnScheduleGroup(this, "ScheduleGroup", {
      name: `hearth-${config.name}-digests`,
    });
    this.schedulerRole = new iam.Role(this, "SchedulerRole", {
      description: `Hearth ${config.name}: EventBridge Scheduler invokes the digest function`,
      assumedBy: new iam.ServicePrincipal("scheduler.amazonaws.com", {
        conditions: {
          StringEquals: { "aws:SourceAccount": Aws.ACCOUNT_ID, "aws:SourceArn": this.scheduleGroup.attrArn },
        },
      }),
    });
    this.schedulerRole.addToPolicy(
      new iam.PolicyStatement({ actions: ["lambda:InvokeFunction"], resources: [fn.functionArn] }),
    );
    this.schedulerRole.addToPolicy(
      new iam.PolicyStatement({ actions: ["sqs:SendMessage"], resources: [this.deadLetters.queueArn] }),
    );
  }

  /**
   * Lets `processor` create schedules in the group (nothing else, no other group) and pass the
   * scheduler role (to Scheduler only), and tells it where they go.
   */
  allowScheduling({ function: processor, role }: LinkedFunction): void {
    const groupName = this.scheduleGroup.name as string;
    processor.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ["scheduler:CreateSchedule"],
        resources: [`arn:${Aws.PARTITION}:scheduler:${Aws.REGION}:${Aws.ACCOUNT_ID}:schedule/${groupName}/*`],
      }),
    );
    processor.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ["iam:PassRole"],
        resources: [this.schedulerRole.roleArn],
        conditions: { StringEquals: { "iam:PassedToService": "scheduler.amazonaws.com" } },
      }),
    );
    processor.addEnvironment(DIGEST_SCHEDULE_ENV.group, groupName);
    processor.addEnvironment(DIGEST_SCHEDULE_ENV.roleArn, this.schedulerRole.roleArn);
    processor.addEnvironment(DIGEST_SCHEDULE_ENV.functionArn, this.digestFunction.function.functionArn);
    processor.addEnvironment(DIGEST_SCHEDULE_ENV.deadLetterArn, this.deadLetters.queueArn);
    acknowledgeNag(role, [
      {
        id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:scheduler:<AWS::Region>:<AWS::AccountId>:schedule/${groupName}/*]`,
        reason:
          "Each digest schedule is named per recipient, kind and window when its first event is held, so CreateSchedule covers this one group's schedules only.",
      },
    ]);
  }

  /** The digest function's errors and throttles, and a digest kept in the dead-letter queue. */
  addAlarms(alarms: Alarms, period = Duration.minutes(5)): void {
    alarms.functionAlarms([this.digestFunction], period);
    alarms.alarm("notification-digests-dead-letters", {
      metric: this.deadLetters.metricApproximateNumberOfMessagesVisible({ period, statistic: "Maximum" }),
      threshold: 1,
      description:
        "A digest could not be delivered or sent after its retries (kept in the dead-letter queue)",
    });
  }
}
