import { BatchProcessor, EventType, processPartialResponse } from "@aws-lambda-powertools/batch";
import { traceInvocation } from "@hearth/domain";
import type { Context, DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from "aws-lambda";
import type { ActivitySummary } from "./activity/aggregate.js";
import type { CleanupSummary } from "./attachments/cleanup.js";
import { isWantedRecord, type ProcessorName } from "./functions.js";
import type { JobPipelineDependencies } from "./jobs/dependencies.js";
import type { JobSummary } from "./jobs/worker.js";
import { NotificationDeliveryError, type NotificationSummary } from "./notifications/delivery-error.js";
import type { FanoutSummary } from "./realtime/fanout.js";
import type { ProcessorMetrics } from "./runtime.js";
import { type StreamChange, toStreamChange } from "./stream-change.js";
import { sourceTableOf } from "./stream-records.js";

export type StreamProcessorHandler = (
  event: DynamoDBStreamEvent,
  context: Context,
) => Promise<DynamoDBBatchResponse>;

export type ChangeSummary =
  | NotificationSummary
  | ActivitySummary
  | CleanupSummary
  | JobSummary
  | FanoutSummary;
export type ChangeHandler = (change: StreamChange) => Promise<ChangeSummary>;

/** What the family did, counted once: by the activity processor, which sees every new item. */
const ACTIVITY_METRICS: Partial<Record<StreamChange["table"], string>> = {
  Comments: "CommentsPosted",
  CommentReactions: "ReactionsAdded",
  Messages: "MessagesSent",
};

function countOutcome(
  metrics: ProcessorMetrics,
  name: ProcessorName,
  change: StreamChange,
  result: ChangeSummary,
): void {
  if (name === "exports" || name === "deletions") {
    const { outcome } = result as JobSummary;
    if (outcome === "completed") metrics.addMetric("JobsCompleted", "Count", 1);
    if (outcome === "failed") metrics.addMetric("JobsFailed", "Count", 1);
    return;
  }
  if (name === "activity") {
    const metric = ACTIVITY_METRICS[change.table];
    if (metric && change.eventName === "INSERT") metrics.addMetric(metric, "Count", 1);
    return;
  }
  if (name === "realtime") {
    const { pushed, gone, failed } = result as FanoutSummary;
    if (pushed) metrics.addMetric("PushesSent", "Count", pushed);
    // Connections closed without a $disconnect (their records are removed).
    if (gone) metrics.addMetric("PushesGone", "Count", gone);
    if (failed) metrics.addMetric("PushesFailed", "Count", failed);
    return;
  }
  if (name !== "notifications") return;
  const summary = result as NotificationSummary;
  if (summary.sent) metrics.addMetric("EmailsSent", "Count", summary.sent);
  // Recipients who opted out, have no address, or were emailed within the window.
  if (summary.skipped) metrics.addMetric("EmailsSuppressed", "Count", summary.skipped);
}

/** Runs one wanted record: its change handler, counted, with failures counted too. */
export type RecordRunner = (record: DynamoDBRecord, change: StreamChange) => Promise<ChangeSummary>;

export function countedHandler(
  name: ProcessorName,
  deps: { metrics: ProcessorMetrics },
  handleChange: ChangeHandler,
) {
  return async (change: StreamChange): Promise<ChangeSummary> => {
    try {
      const result = await handleChange(change);
      countOutcome(deps.metrics, name, change, result);
      return result;
    } catch (error) {
      if (error instanceof NotificationDeliveryError) {
        deps.metrics.addMetric("EmailsFailed", "Count", error.failedRecipientIds.length);
      }
      throw error;
    }
  };
}

/**
 * The batch pipeline every processor shares: every record of the batch is processed (in
 * parallel), records the processor does not subscribe to are skipped, the rest go through
 * `runRecord`, and only the records that failed are reported back so Lambda retries just those.
 */
export function buildBatchPipeline(
  name: ProcessorName,
  deps: JobPipelineDependencies,
  runRecord: RecordRunner,
  onInvocation: (context: Context) => void = () => {},
): StreamProcessorHandler {
  const { logger } = deps;

  async function handleRecord(record: DynamoDBRecord): Promise<unknown> {
    const table = sourceTableOf(record, deps.tables);
    if (!table || !isWantedRecord(name, table, record)) {
      logger.debug("Ignoring a record this processor does not subscribe to", {
        processor: name,
        eventID: record.eventID,
        eventName: record.eventName,
        eventSourceARN: record.eventSourceARN,
      });
      return { ignored: true };
    }
    try {
      const result = await runRecord(record, toStreamChange(record, table));
      logger.debug("Record processed", { processor: name, eventID: record.eventID, table, result });
      return result;
    } catch (error) {
      logger.error("Record failed; it will be retried", {
        processor: name,
        eventID: record.eventID,
        sequenceNumber: record.dynamodb?.SequenceNumber,
        table,
        error: error as Error,
      });
      throw error;
    }
  }

  async function handleBatch(event: DynamoDBStreamEvent, context: Context): Promise<DynamoDBBatchResponse> {
    onInvocation(context);
    // A processor instance holds one batch's state: a fresh one per invocation.
    const batch = new BatchProcessor(EventType.DynamoDBStreams);
    const response = await processPartialResponse(event, handleRecord, batch, {
      context,
      // Report a wholly failed batch like any other, so callers always get batchItemFailures.
      throwOnFullBatchFailure: false,
    });
    deps.metrics.publishStoredMetrics();
    logger.info("Batch processed", {
      processor: name,
      records: event.Records.length,
      failed: response.batchItemFailures.length,
    });
    return response;
  }

  return (event, context) =>
    traceInvocation(deps.tracer, name, { processor: name }, async (annotate) => {
      const response = await handleBatch(event, context);
      annotate("failedRecords", response.batchItemFailures.length);
      return response;
    });
}
