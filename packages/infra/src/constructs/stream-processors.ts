import {
  PROCESSOR_MANIFESTS,
  PROCESSOR_NAMES,
  type ProcessorName,
  STREAM_SUBSCRIPTIONS,
  streamBatchingOf,
} from "@hearth/stream-processors";
import { Duration, Stack } from "aws-cdk-lib";
import * as cloudwatch from "aws-cdk-lib/aws-cloudwatch";
import * as iam from "aws-cdk-lib/aws-iam";
import * as lambda from "aws-cdk-lib/aws-lambda";
import { DynamoEventSource } from "aws-cdk-lib/aws-lambda-event-sources";
import * as s3 from "aws-cdk-lib/aws-s3";
import { Construct } from "constructs";
import { removalPolicyOf } from "../config.js";
import { acknowledgeNag } from "../nag.js";
import type { Alarms } from "./alarms.js";
import type { FunctionLinks } from "./function-links.js";
import { HearthFunction } from "./hearth-function.js";

export interface StreamProcessorsProps {
  /** What the processors' manifests take (tables, files bucket, email, digests, WebSocket API, …). */
  links: FunctionLinks;
}

/** The request-metrics filter on the failed-records bucket (alarms count its PUTs). */
export const FAILED_RECORDS_METRICS_ID = "FailedRecordWrites";

/**
 * An S3 on-failure destination granting the function's role just what Lambda needs to write
 * the record (CDK's S3OnFailureDestination grants read-write with wildcard actions).
 */
class FailedRecordsDestination implements lambda.IEventSourceDlq {
  constructor(private readonly bucket: s3.IBucket) {}

  bind(_target: lambda.IEventSourceMapping, targetHandler: lambda.IFunction): lambda.DlqDestinationConfig {
    targetHandler.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ["s3:PutObject", "s3:ListBucket"],
        resources: [this.bucket.bucketArn, this.bucket.arnForObjects("*")],
      }),
    );
    return { destination: this.bucket.bucketArn };
  }
}

/**
 * The stream processors, one function per manifest, and their event source mappings, one per
 * subscription the manifests declare, with its filters and the batching settings. A batch that keeps
 * failing is written whole (metadata plus the invocation payload, which SQS/SNS destinations
 * leave out) to the failed-records bucket, from where `pnpm replay` feeds it back.
 */
export class StreamProcessors extends Construct {
  readonly functions: Record<ProcessorName, HearthFunction>;
  readonly failedRecords: s3.Bucket;

  constructor(scope: Construct, id: string, props: StreamProcessorsProps) {
    super(scope, id);
    const { config, tables } = props.links;
    this.functions = Object.fromEntries(
      PROCESSOR_NAMES.map((name) => {
        const manifest = PROCESSOR_MANIFESTS[name];
        return [name, new HearthFunction(scope, manifest.name, { manifest, config, links: props.links })];
      }),
    ) as Record<ProcessorName, HearthFunction>;
    this.failedRecords = new s3.Bucket(this, "FailedRecords", {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      // RETAIN in production: the failed records may be all that is left of a change.
      removalPolicy: removalPolicyOf(config),
      // Minute-level PUT counts, so the first failed record raises an alarm.
      metrics: [{ id: FAILED_RECORDS_METRICS_ID }],
      // The batches are whole stream records (message text, names): kept for the replay the
      // alarm asks for, then gone like the rest of a member's data.
      lifecycleRules: [
        { id: "ExpireFailedRecords", expiration: Duration.days(config.failedRecordsRetentionDays) },
      ],
    });
    acknowledgeNag(this.failedRecords, [
      {
        id: "AwsSolutions-S1",
        reason:
          "Only Lambda's event source mappings write here and only operators replaying read; every write raises an alarm through request metrics.",
      },
    ]);
    const destination = new FailedRecordsDestination(this.failedRecords);

    for (const { role } of Object.values<HearthFunction>(this.functions)) {
      acknowledgeNag(role, [
        {
          id: "AwsSolutions-IAM5[Resource::*]",
          reason:
            "dynamodb:ListStreams has no resource-level permissions; the stream read actions themselves are scoped to each subscribed table's stream.",
        },
        {
          id: `AwsSolutions-IAM5[Resource::<${Stack.of(this).getLogicalId(this.failedRecords.node.defaultChild as s3.CfnBucket)}.Arn>/*]`,
          reason:
            "Lambda names each failed-records object itself (aws/lambda/<mapping>/<shard>/<date>/…), so the write right covers the bucket's objects.",
        },
      ]);
    }

    for (const subscription of STREAM_SUBSCRIPTIONS) {
      const processor = this.functions[subscription.processor].function;
      const batching = streamBatchingOf(subscription.processor);
      processor.addEventSource(
        new DynamoEventSource(tables[subscription.table], {
          startingPosition: lambda.StartingPosition.LATEST,
          batchSize: batching.batchSize,
          maxBatchingWindow: Duration.seconds(batching.maxBatchingWindowSeconds),
          retryAttempts: batching.retryAttempts,
          maxRecordAge: Duration.seconds(batching.maxRecordAgeSeconds),
          bisectBatchOnError: batching.bisectBatchOnError,
          // The handlers return `batchItemFailures`; the mapping must be told to read them.
          reportBatchItemFailures: true,
          onFailure: destination,
          filters: subscription.filterPatterns.map((pattern) => lambda.FilterCriteria.filter(pattern)),
        }),
      );
    }
  }

  /** Each processor's errors, throttles and waiting records, and the first failed record kept. */
  addAlarms(alarms: Alarms, period = Duration.minutes(5)): void {
    alarms.functionAlarms(Object.values(this.functions), period);
    alarms.alarm("failed-stream-records", {
      metric: new cloudwatch.Metric({
        namespace: "AWS/S3",
        metricName: "PutRequests",
        dimensionsMap: { BucketName: this.failedRecords.bucketName, FilterId: FAILED_RECORDS_METRICS_ID },
        period,
        statistic: "Sum",
      }),
      threshold: 1,
      description: "Stream records failed for good and were kept for pnpm replay",
    });
  }
}
