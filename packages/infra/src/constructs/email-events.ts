import { EVENT_MANIFESTS } from "@hearth/stream-processors";
import { Duration } from "aws-cdk-lib";
import * as cloudwatch from "aws-cdk-lib/aws-cloudwatch";
import * as destinations from "aws-cdk-lib/aws-lambda-destinations";
import type * as sns from "aws-cdk-lib/aws-sns";
import * as subscriptions from "aws-cdk-lib/aws-sns-subscriptions";
import * as sqs from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import { removalPolicyOf } from "../config.js";
import { acknowledgeNag } from "../nag.js";
import type { Alarms } from "./alarms.js";
import type { FunctionLinks } from "./function-links.js";
import { HearthFunction } from "./hearth-function.js";

/**
 * Bounces and complaints: SES → the configuration set's SNS topic → the SES event function,
 * which suppresses the addresses. SNS invokes it asynchronously: Lambda retries a failed event
 * twice, then keeps it in the queue (as does SNS for an event it could not hand to Lambda at
 * all), never lost.
 */
export class EmailEvents extends Construct {
  readonly function: HearthFunction;
  /** SES events the function failed on after Lambda's retries (or SNS could not deliver). */
  readonly deadLetters: sqs.Queue;

  constructor(scope: Construct, id: string, props: { links: FunctionLinks; topic: sns.ITopic }) {
    super(scope, id);
    const { config } = props.links;
    this.deadLetters = new sqs.Queue(scope, "EmailEventsDeadLetters", {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      removalPolicy: removalPolicyOf(config),
    });
    acknowledgeNag(this.deadLetters, [
      {
        id: "AwsSolutions-SQS3",
        reason:
          "This queue is the dead-letter destination of the SES event function; it has none of its own.",
      },
    ]);
    const manifest = EVENT_MANIFESTS.emailEvents;
    this.function = new HearthFunction(scope, manifest.name, { manifest, config, links: props.links });
    this.function.function.configureAsyncInvoke({
      retryAttempts: 2,
      onFailure: new destinations.SqsDestination(this.deadLetters),
    });
    props.topic.addSubscription(
      new subscriptions.LambdaSubscription(this.function.function, { deadLetterQueue: this.deadLetters }),
    );
  }

  /**
   * The SES event function's errors, throttles and dead letters, and SES's reputation at the
   * rates where SES starts a review (bounces 5 %, complaints 0.1 %), well before it pauses
   * sending (10 % / 0.5 %).
   */
  addAlarms(alarms: Alarms, period = Duration.minutes(5)): void {
    alarms.functionAlarms([this.function], period);
    alarms.alarm("ses-events-dead-letters", {
      metric: this.deadLetters.metricApproximateNumberOfMessagesVisible({ period, statistic: "Maximum" }),
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
  }
}

/** SES publishes its reputation metrics per account (no dimensions), about hourly. */
const SES_REPUTATION = { namespace: "AWS/SES", period: Duration.hours(1), statistic: "Maximum" } as const;
