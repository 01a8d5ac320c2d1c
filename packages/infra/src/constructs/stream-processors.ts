import type { TableName } from "@hearth/domain";
import { type ProcessorName, STREAM_BATCHING, STREAM_SUBSCRIPTIONS } from "@hearth/stream-processors";
import { Duration } from "aws-cdk-lib";
import type * as dynamodb from "aws-cdk-lib/aws-dynamodb";
import * as lambda from "aws-cdk-lib/aws-lambda";
import { DynamoEventSource, SqsDlq } from "aws-cdk-lib/aws-lambda-event-sources";
import * as sqs from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import { acknowledgeNag } from "../nag.js";

export interface StreamProcessorsProps {
  tables: Record<TableName, dynamodb.ITable>;
  processors: Record<ProcessorName, lambda.IFunction>;
}

/**
 * The event source mappings of the stream processors, one per subscription in
 * STREAM_SUBSCRIPTIONS, with its filters and the shared batching settings. A record that
 * keeps failing lands in the processor's dead-letter queue, never lost.
 */
export class StreamProcessors extends Construct {
  readonly deadLetterQueues: Record<ProcessorName, sqs.Queue>;

  constructor(scope: Construct, id: string, props: StreamProcessorsProps) {
    super(scope, id);
    const processorNames = Object.keys(props.processors) as ProcessorName[];
    this.deadLetterQueues = Object.fromEntries(
      processorNames.map((name) => {
        const queue = new sqs.Queue(this, `${name}-dlq`, {
          encryption: sqs.QueueEncryption.SQS_MANAGED,
          enforceSSL: true,
          retentionPeriod: Duration.days(14),
        });
        acknowledgeNag(queue, [
          {
            id: "AwsSolutions-SQS3",
            reason: "This queue is itself the dead-letter destination of the stream event source mappings.",
          },
        ]);
        return [name, queue];
      }),
    ) as Record<ProcessorName, sqs.Queue>;

    for (const processor of Object.values<lambda.IFunction>(props.processors)) {
      if (!processor.role) continue;
      acknowledgeNag(processor.role, [
        {
          id: "AwsSolutions-IAM5[Resource::*]",
          reason:
            "dynamodb:ListStreams has no resource-level permissions; the stream read actions themselves are scoped to each subscribed table's stream.",
        },
      ]);
    }

    for (const subscription of STREAM_SUBSCRIPTIONS) {
      const processor = props.processors[subscription.processor];
      processor.addEventSource(
        new DynamoEventSource(props.tables[subscription.table], {
          startingPosition: lambda.StartingPosition.LATEST,
          batchSize: STREAM_BATCHING.batchSize,
          maxBatchingWindow: Duration.seconds(STREAM_BATCHING.maxBatchingWindowSeconds),
          retryAttempts: STREAM_BATCHING.retryAttempts,
          maxRecordAge: Duration.seconds(STREAM_BATCHING.maxRecordAgeSeconds),
          bisectBatchOnError: STREAM_BATCHING.bisectBatchOnError,
          reportBatchItemFailures: true,
          onFailure: new SqsDlq(this.deadLetterQueues[subscription.processor]),
          filters: subscription.filterPatterns.map((pattern) => lambda.FilterCriteria.filter(pattern)),
        }),
      );
    }
  }
}
