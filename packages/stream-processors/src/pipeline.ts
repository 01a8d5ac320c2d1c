import { setTimeout as sleep } from "node:timers/promises";
import { BatchProcessor, EventType, processPartialResponse } from "@aws-lambda-powertools/batch";
import { type StreamSubscription, traceInvocation } from "@hearth/domain";
import type { Context, DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from "aws-lambda";
import type { FailureNotes } from "./failure-notes.js";
import type { CoreProcessorDependencies, ProcessorMetrics } from "./runtime.js";
import { type StreamChange, toStreamChange } from "./stream-change.js";
import { sourceTableOf } from "./stream-records.js";
import { matchesFilterPattern } from "./stream-subscriptions.js";

export type StreamProcessorHandler = (
  event: DynamoDBStreamEvent,
  context: Context,
) => Promise<DynamoDBBatchResponse>;

/** Who a pipeline runs for: the processor's name (logs, traces) and its manifest's subscriptions. */
export interface ProcessorIdentity {
  processor: string;
  subscriptions: readonly StreamSubscription[];
}

export type ChangeHandler<Summary> = (change: StreamChange) => Promise<Summary>;

/**
 * How a processor reports what one record came to, as metrics: each processor brings its own
 * (the pipeline knows no processor's summary). `failed` sees the error a record failed with.
 */
export interface OutcomeCounter<Summary> {
  succeeded?(metrics: ProcessorMetrics, change: StreamChange, summary: Summary): void;
  failed?(metrics: ProcessorMetrics, error: unknown): void;
}

/** Time kept at the end of an invocation to answer, whatever the retry pause. */
const ANSWER_MARGIN_MS = 2000;

/** Runs one wanted record through its change handler. */
export type RecordRunner = (record: DynamoDBRecord, change: StreamChange) => Promise<unknown>;

/** `handleChange` with its outcome counted by `counter` (a failure counted, then rethrown). */
export function countedHandler<Summary>(
  deps: { metrics: ProcessorMetrics },
  handleChange: ChangeHandler<Summary>,
  counter: OutcomeCounter<Summary>,
): ChangeHandler<Summary> {
  return async (change) => {
    try {
      const result = await handleChange(change);
      counter.succeeded?.(deps.metrics, change, result);
      return result;
    } catch (error) {
      counter.failed?.(deps.metrics, error);
      throw error;
    }
  };
}

/** Whether a record of `table` matches one of the processor's subscriptions (as Lambda's filters would). */
function isSubscribed(identity: ProcessorIdentity, table: string, record: DynamoDBRecord): boolean {
  return identity.subscriptions.some(
    (subscription) =>
      subscription.table === table &&
      subscription.filterPatterns.some((pattern) => matchesFilterPattern(pattern, record)),
  );
}

/**
 * The batch pipeline every processor shares: every record of the batch is processed (in
 * parallel), records the processor does not subscribe to are skipped, the rest go through
 * `runRecord`, and only the records that failed are reported back so Lambda retries just those,
 * after a pause (`deps.retryPauseMs`): Lambda itself retries at once.
 */
export function buildBatchPipeline(
  identity: ProcessorIdentity,
  deps: CoreProcessorDependencies & FailureNotes,
  runRecord: RecordRunner,
  onInvocation: (context: Context) => void = () => {},
): StreamProcessorHandler {
  const { logger } = deps;
  const name = identity.processor;

  async function handleRecord(record: DynamoDBRecord): Promise<unknown> {
    const table = sourceTableOf(record, deps.tables);
    if (!table || !isSubscribed(identity, table, record)) {
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
      await noteFailure(record, error);
      throw error;
    }
  }

  /** Keeps why the record failed where the dead letters and `pnpm replay` find it (best effort: it may stall too). */
  async function noteFailure(record: DynamoDBRecord, error: unknown): Promise<void> {
    if (!record.eventID) return;
    const cause = error instanceof Error ? error : { name: "Error", message: String(error) };
    await deps.recordFailures
      .note(name, record.eventID, { name: cause.name, message: cause.message })
      .catch((noteError: unknown) =>
        logger.warn("Could not note why a record failed", {
          processor: name,
          eventID: record.eventID,
          error: noteError as Error,
        }),
      );
  }

  /** The pause before answering with failures, never past the invocation's end (less a margin to answer). */
  function retryPause(context: Context): number {
    return Math.max(0, Math.min(deps.retryPauseMs, context.getRemainingTimeInMillis() - ANSWER_MARGIN_MS));
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
    const failed = response.batchItemFailures.length;
    logger.info("Batch processed", { processor: name, records: event.Records.length, failed });
    if (failed) await sleep(retryPause(context));
    return response;
  }

  return (event, context) =>
    traceInvocation(deps.tracer, name, { processor: name }, async (annotate) => {
      const response = await handleBatch(event, context);
      annotate("failedRecords", response.batchItemFailures.length);
      return response;
    });
}
