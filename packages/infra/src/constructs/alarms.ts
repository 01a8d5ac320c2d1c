import type { FunctionManifest } from "@hearth/domain";
import { Duration } from "aws-cdk-lib";
import * as cloudwatch from "aws-cdk-lib/aws-cloudwatch";
import { SnsAction } from "aws-cdk-lib/aws-cloudwatch-actions";
import type * as dynamodb from "aws-cdk-lib/aws-dynamodb";
import type * as lambda from "aws-cdk-lib/aws-lambda";
import * as sns from "aws-cdk-lib/aws-sns";
import * as subscriptions from "aws-cdk-lib/aws-sns-subscriptions";
import { Construct } from "constructs";
import { acknowledgeNag } from "../nag.js";

/** A function to alarm on: its manifest names it (and says whether it reads a stream). */
export interface AlarmedFunction {
  manifest: Pick<FunctionManifest, "name" | "kind">;
  function: lambda.IFunction;
}

export interface AlarmsProps {
  environmentName: string;
  /** The dashboard's name (one per stack). */
  dashboardName: string;
  /** The environment's alarm topic when another stack already made it (it notifies the configured ones). */
  topic?: sns.ITopic;
  /** Subscribed by email to the environment's alarm topic. */
  alarmEmail?: string;
  /** An existing topic (a pager, a chat integration) every alarm also notifies. */
  alarmTopicArn?: string;
}

export interface AlarmOptions {
  metric: cloudwatch.IMetric;
  /** Alarms when the metric reaches (≥) this value. */
  threshold: number;
  description: string;
  /** Consecutive periods the threshold must be reached; 1 unless a blip is normal. */
  evaluationPeriods?: number;
}

/** The environment's alarms: every alarm notifies the topic (and the configured ones) and gets a dashboard widget. */
export class Alarms extends Construct {
  readonly topic: sns.ITopic;
  readonly dashboard: cloudwatch.Dashboard;
  private readonly actions: SnsAction[];
  private sectionWidgets: cloudwatch.IWidget[] | undefined;

  constructor(scope: Construct, id: string, props: AlarmsProps) {
    super(scope, id);
    this.topic = props.topic ?? this.createTopic(props);
    this.actions = [new SnsAction(this.topic)];
    if (props.alarmTopicArn) {
      this.actions.push(new SnsAction(sns.Topic.fromTopicArn(this, "ConfiguredTopic", props.alarmTopicArn)));
    }
    this.dashboard = new cloudwatch.Dashboard(this, "Dashboard", {
      dashboardName: props.dashboardName,
      defaultInterval: Duration.hours(24),
    });
  }

  private createTopic(props: AlarmsProps): sns.Topic {
    const topic = new sns.Topic(this, "Topic", {
      displayName: `Hearth ${props.environmentName} alarms`,
      enforceSSL: true,
    });
    acknowledgeNag(topic, [
      {
        id: "AwsSolutions-SNS2",
        reason:
          "Alarm notifications carry no user data; CloudWatch cannot publish to a topic under the AWS-managed SNS key.",
      },
    ]);
    if (props.alarmEmail) topic.addSubscription(new subscriptions.EmailSubscription(props.alarmEmail));
    return topic;
  }

  /**
   * Errors and throttles of each function (any is a defect worth a look), and for a stream
   * processor records that waited 5 minutes (emails would go out late).
   */
  functionAlarms(functions: readonly AlarmedFunction[], period = Duration.minutes(5)): void {
    for (const { manifest, function: fn } of functions) {
      const name = manifest.name;
      this.alarm(`${name}-errors`, {
        metric: fn.metricErrors({ period }),
        threshold: 1,
        description: `${name} threw errors`,
      });
      this.alarm(`${name}-throttles`, {
        metric: fn.metricThrottles({ period }),
        threshold: 1,
        description: `${name} was throttled`,
      });
      if (manifest.kind === "stream") {
        this.alarm(`${name}-iterator-age`, {
          metric: fn.metric("IteratorAge", { period, statistic: "Maximum" }),
          threshold: Duration.minutes(5).toMilliseconds(),
          description: `Stream records waited 5 minutes or more for ${name}`,
        });
      }
    }
  }

  /** Any throttled request to a table (reads or writes) is worth a look. */
  tableAlarms(tables: Record<string, dynamodb.ITable>, period = Duration.minutes(5)): void {
    for (const [name, table] of Object.entries(tables)) {
      this.alarm(`${name}-throttles`, {
        metric: new cloudwatch.MathExpression({
          expression: "reads + writes",
          usingMetrics: {
            reads: table.metric("ReadThrottleEvents", { period, statistic: "Sum" }),
            writes: table.metric("WriteThrottleEvents", { period, statistic: "Sum" }),
          },
          label: `${name} throttled requests`,
          period,
        }),
        threshold: 1,
        description: `DynamoDB throttled requests to ${name}`,
      });
    }
  }

  /** A section of the dashboard: a title, then a widget for each alarm that `addAlarms` adds. */
  section(title: string, addAlarms: () => void): void {
    this.sectionWidgets = [new cloudwatch.TextWidget({ markdown: `## ${title}`, width: 24, height: 1 })];
    addAlarms();
    // One row per section; widgets past the grid's width wrap onto the next line.
    this.dashboard.addWidgets(...this.sectionWidgets);
    this.sectionWidgets = undefined;
  }

  /** An alarm on `metric` reaching `threshold`, notifying every configured destination. */
  alarm(id: string, options: AlarmOptions): cloudwatch.Alarm {
    const alarm = new cloudwatch.Alarm(this, id, {
      metric: options.metric,
      threshold: options.threshold,
      evaluationPeriods: options.evaluationPeriods ?? 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      alarmDescription: options.description,
    });
    for (const action of this.actions) alarm.addAlarmAction(action);
    const widget = new cloudwatch.AlarmWidget({ alarm, title: options.description, width: 6 });
    if (this.sectionWidgets) this.sectionWidgets.push(widget);
    else this.dashboard.addWidgets(widget);
    return alarm;
  }
}
