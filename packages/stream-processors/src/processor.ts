import { BatchProcessor, EventType, processPartialResponse } from "@aws-lambda-powertools/batch";
import { IdempotencyConfig, makeIdempotent } from "@aws-lambda-powertools/idempotency";
import { traceInvocation } from "@hearth/domain";
import type { Context, DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from "aws-lambda";
import { type ActivitySummary, createActivityAggregator } from "./activity/aggregate.js";
import type { AttachmentObjects } from "./attachments/cleanup.js";
import { type CleanupSummary, createAttachmentCleaner } from "./attachments/cleanup.js";
import type {
  BaseProcessorDependencies,
  PipelineDependencies,
  ProcessorDependencies,
  ProcessorMetrics,
} from "./dependencies.js";
import { createExportRunner } from "./exports/export-runner.js";
import type { ExportObjects } from "./exports/s3-export.js";
import { isWantedRecord, type ProcessorName } from "./filters.js";
import type { JobRunner } from "./jobs/runner.js";
import { createJobWorker, type JobSummary } from "./jobs/worker.js";
import {
  createNotifier,
  NotificationDeliveryError,
  type NotificationSummary,
} from "./notifications/notify.js";
import { type StreamChange, toStreamChange } from "./stream-change.js";
import { sourceTableOf } from "./stream-records.js";

export type StreamProcessorHandler = (
  event: DynamoDBStreamEvent,
  context: Context,
) => Promise<DynamoDBBatchResponse>;

type ChangeSummary = NotificationSummary | ActivitySummary | CleanupSummary | JobSummary;
type ChangeHandler = (change: StreamChange) => Promise<ChangeSummary>;

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
  if (name !== "notifications") return;
  const summary = result as NotificationSummary;
  if (summary.sent) metrics.addMetric("EmailsSent", "Count", summary.sent);
  // Recipients who opted out, have no address, or were emailed within the window.
  if (summary.skipped) metrics.addMetric("EmailsSuppressed", "Count", summary.skipped);
}

/**
 * The shared pipeline: every record of the batch is processed (in parallel), records the
 * processor does not subscribe to are skipped, the rest run at most once per `eventID`
 * (Powertools idempotency on the IdempotencyRecords table), and only the records that
 * failed are reported back so Lambda retries just those.
 */
function buildProcessor(
  name: ProcessorName,
  deps: PipelineDependencies,
  handleChange: ChangeHandler,
): StreamProcessorHandler {
  const { logger } = deps;
  const idempotencyConfig = new IdempotencyConfig({
    eventKeyJmesPath: "eventID",
    throwOnNoIdempotencyKey: true,
    expiresAfterSeconds: deps.idempotency.expiresAfterSeconds,
  });
  const handleOnce = makeIdempotent(
    // The record is the idempotency payload; the change is what the handler works with.
    // Counted in here, so a redelivered record (answered from the idempotency store) is not.
    async (_record: DynamoDBRecord, change: StreamChange) => {
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
    },
    {
      persistenceStore: deps.idempotency.createPersistenceLayer(),
      config: idempotencyConfig,
      // Both processors see the same Comments events: their keys must not collide.
      keyPrefix: `hearth-${name}`,
      dataIndexArgument: 0,
    },
  );

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
      const result = await handleOnce(record, toStreamChange(record, table));
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

  return (event, context) =>
    traceInvocation(deps.tracer, name, { processor: name }, async (annotate) => {
      const response = await handleBatch(event, context);
      annotate("failedRecords", response.batchItemFailures.length);
      return response;
    });

  async function handleBatch(event: DynamoDBStreamEvent, context: Context): Promise<DynamoDBBatchResponse> {
    idempotencyConfig.registerLambdaContext(context);
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
}

export function createNotificationProcessor(deps: ProcessorDependencies): StreamProcessorHandler {
  return buildProcessor("notifications", deps, createNotifier(deps));
}

export function createActivityProcessor(deps: ProcessorDependencies): StreamProcessorHandler {
  return buildProcessor("activity", deps, createActivityAggregator(deps));
}

export function createAttachmentCleanupProcessor(
  deps: PipelineDependencies & { attachmentObjects?: AttachmentObjects | undefined },
): StreamProcessorHandler {
  return buildProcessor("attachments", deps, createAttachmentCleaner(deps));
}

/** The export worker: the only processor that writes export documents (its entry adds `exportObjects`). */
export function createExportProcessor(
  deps: BaseProcessorDependencies & { exportObjects?: ExportObjects | undefined },
): StreamProcessorHandler {
  const { exportObjects } = deps;
  if (!exportObjects) throw new Error("The export processor needs exportObjects");
  const runner = createExportRunner({ repositories: deps.repositories, exportObjects, clock: deps.clock });
  return buildProcessor("exports", deps, createJobWorker("export", runner, deps));
}

/** Builds the deletion runner from the processor's dependencies (the cascade of issue 12). */
export type DeletionRunnerFactory<Deps> = (deps: Deps) => JobRunner;

/** The deletion worker: runs each new deletion job with the runner `createRunner` builds. */
export function createDeletionProcessor<Deps extends BaseProcessorDependencies>(
  deps: Deps,
  createRunner: DeletionRunnerFactory<Deps>,
): StreamProcessorHandler {
  return buildProcessor("deletions", deps, createJobWorker("deletion", createRunner(deps), deps));
}

export interface ProcessorExtras {
  attachmentObjects?: AttachmentObjects | undefined;
  exportObjects?: ExportObjects | undefined;
  /** The deletions processor runs with this; without it that processor cannot be built. */
  createDeletionRunner?: DeletionRunnerFactory<ProcessorDependencies> | undefined;
}

export function createProcessor(
  name: ProcessorName,
  deps: ProcessorDependencies & ProcessorExtras,
): StreamProcessorHandler {
  switch (name) {
    case "notifications":
      return createNotificationProcessor(deps);
    case "activity":
      return createActivityProcessor(deps);
    case "attachments":
      return createAttachmentCleanupProcessor(deps);
    case "exports":
      return createExportProcessor(deps);
    case "deletions":
      if (!deps.createDeletionRunner) throw new Error("The deletions processor needs createDeletionRunner");
      return createDeletionProcessor(deps, deps.createDeletionRunner);
  }
}
