import type { TableName } from "@hearth/domain";
import { type ProcessorName, STREAM_SUBSCRIPTIONS, streamBatchingOf } from "@hearth/stream-processors";
import { Duration, type RemovalPolicy, Stack } from "aws-cdk-lib";
import type * as dynamodb from "aws-cdk-lib/aws-dynamodb";
import * as iam from "aws-cdk-lib/aws-iam";
import * as lambda from "aws-cdk-lib/aws-lambda";
import { DynamoEventSource } from "aws-cdk-lib/aws-lambda-event-sources";
import * as s3 from "aws-cdk-lib/aws-s3";
import { Construct } from "constructs";
import { acknowledgeNag } from "../nag.js";

export interface StreamProcessorsProps {
  tables: Record<TableName, dynamodb.ITable>;
  processors: Record<ProcessorName, lambda.IFunction>;
  /** RETAIN in production: the failed records may be all that is left of a change. */
  removalPolicy: RemovalPolicy;
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
 * The event source mappings of the stream processors, one per subscription in
 * STREAM_SUBSCRIPTIONS, with its filters and the shared batching settings. A batch that keeps
 * failing is written whole (metadata plus the invocation payload, which SQS/SNS destinations
 * leave out) to the failed-records bucket, from where `pnpm replay` feeds it back.
 */
export class StreamProcessors extends Construct {
  readonly failedRecords: s3.Bucket;

  constructor(scope: Construct, id: string, props: StreamProcessorsProps) {
    super(scope, id);
    this.failedRecords = new s3.Bucket(this, "FailedRecords", {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      removalPolicy: props.removalPolicy,
      // Minute-level PUT counts, so the first failed record raises an alarm.
      metrics: [{ id: FAILED_RECORDS_METRICS_ID }],
    });
    acknowledgeNag(this.failedRecords, [
      {
        id: "AwsSolutions-S1",
        reason:
          "Only Lambda's event source mappings write here and only operators replaying read; every write raises an alarm through request metrics.",
      },
    ]);
    const destination = new FailedRecordsDestination(this.failedRecords);

    for (const processor of Object.values<lambda.IFunction>(props.processors)) {
      if (!processor.role) continue;
      acknowledgeNag(processor.role, [
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
      const processor = props.processors[subscription.processor];
      const batching = streamBatchingOf(subscription.processor);
      processor.addEventSource(
        new DynamoEventSource(props.tables[subscription.table], {
          startingPosition: lambda.StartingPosition.LATEST,
          batchSize: batching.batchSize,
          maxBatchingWindow: Duration.seconds(batching.maxBatchingWindowSeconds),
          retryAttempts: batching.retryAttempts,
          maxRecordAge: Duration.seconds(batching.maxRecordAgeSeconds),
          bisectBatchOnError: batching.bisectBatchOnError,
          reportBatchItemFailures: true,
          onFailure: destination,
          filters: subscription.filterPatterns.map((pattern) => lambda.FilterCriteria.filter(pattern)),
        }),
      );
    }
  }
}
