import { Duration } from "aws-cdk-lib";
import * as cloudwatch from "aws-cdk-lib/aws-cloudwatch";
import { SnsAction } from "aws-cdk-lib/aws-cloudwatch-actions";
import * as sns from "aws-cdk-lib/aws-sns";
import * as subscriptions from "aws-cdk-lib/aws-sns-subscriptions";
import type * as sqs from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import { acknowledgeNag } from "../nag.js";

export interface AlarmsProps {
  environmentName: string;
  alarmEmail?: string;
}

/** Alarms that notify one topic (and the configured address): any occurrence is worth a look. */
export class Alarms extends Construct {
  readonly topic: sns.Topic;
  private readonly action: SnsAction;

  constructor(scope: Construct, id: string, props: AlarmsProps) {
    super(scope, id);
    this.topic = new sns.Topic(this, "Topic", {
      displayName: `Hearth ${props.environmentName} alarms`,
      enforceSSL: true,
    });
    acknowledgeNag(this.topic, [
      {
        id: "AwsSolutions-SNS2",
        reason:
          "Alarm notifications carry no user data; CloudWatch cannot publish to a topic under the AWS-managed SNS key.",
      },
    ]);
    if (props.alarmEmail) this.topic.addSubscription(new subscriptions.EmailSubscription(props.alarmEmail));
    this.action = new SnsAction(this.topic);
  }

  /** Alarms when `metric` (a 5-minute sum) reaches `threshold`. */
  atLeast(id: string, metric: cloudwatch.IMetric, threshold: number, description: string): cloudwatch.Alarm {
    const alarm = new cloudwatch.Alarm(this, id, {
      metric,
      threshold,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      alarmDescription: description,
    });
    alarm.addAlarmAction(this.action);
    return alarm;
  }

  /** Any message waiting in a dead-letter queue. */
  deadLetters(id: string, queue: sqs.IQueue, description: string): cloudwatch.Alarm {
    return this.atLeast(
      id,
      queue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5), statistic: "Maximum" }),
      1,
      description,
    );
  }
}
