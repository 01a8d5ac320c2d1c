import { IdempotencyConfig, makeIdempotent } from "@aws-lambda-powertools/idempotency";
import type { DynamoDBRecord } from "aws-lambda";
import { createActivityAggregator } from "./activity/aggregate.js";
import type { AttachmentObjects } from "./attachments/cleanup.js";
import { createAttachmentCleaner } from "./attachments/cleanup.js";
import type {
  BaseProcessorDependencies,
  PipelineDependencies,
  ProcessorDependencies,
} from "./dependencies.js";
import type { ExportObjects } from "./exports/s3-export.js";
import type { ProcessorName } from "./functions.js";
import {
  createDeletionProcessor,
  createExportProcessor,
  type DeletionRunnerFactory,
} from "./jobs/processors.js";
import { createNotifier } from "./notifications/notify.js";
import {
  buildBatchPipeline,
  type ChangeHandler,
  countedHandler,
  type StreamProcessorHandler,
} from "./pipeline.js";
import type { RealtimeExtras } from "./realtime/dependencies.js";
import { createRealtimeFanout } from "./realtime/fanout.js";
import type { StreamChange } from "./stream-change.js";

export {
  createDeletionProcessor,
  createExportProcessor,
  type DeletionRunnerFactory,
} from "./jobs/processors.js";
export type { StreamProcessorHandler } from "./pipeline.js";

/**
 * A stream processor: the batch pipeline with every record run at most once per `eventID`
 * (Powertools idempotency on the IdempotencyRecords table), so a redelivered record sends no
 * second email and counts nothing twice.
 */
function buildProcessor(
  name: ProcessorName,
  deps: PipelineDependencies,
  handleChange: ChangeHandler,
): StreamProcessorHandler {
  const idempotencyConfig = new IdempotencyConfig({
    eventKeyJmesPath: "eventID",
    throwOnNoIdempotencyKey: true,
    expiresAfterSeconds: deps.idempotency.expiresAfterSeconds,
  });
  // The record is the idempotency payload; the change is what the handler works with.
  // Counted in here, so a redelivered record (answered from the idempotency store) is not.
  const counted = countedHandler(name, deps, handleChange);
  const handleOnce = makeIdempotent(
    async (_record: DynamoDBRecord, change: StreamChange) => counted(change),
    {
      persistenceStore: deps.idempotency.createPersistenceLayer(),
      config: idempotencyConfig,
      // Both processors see the same Comments events: their keys must not collide.
      keyPrefix: `hearth-${name}`,
      dataIndexArgument: 0,
    },
  );
  return buildBatchPipeline(name, deps, handleOnce, (context) =>
    idempotencyConfig.registerLambdaContext(context),
  );
}

export function createNotificationProcessor(deps: ProcessorDependencies): StreamProcessorHandler {
  return buildProcessor("notifications", deps, createNotifier(deps));
}

export function createActivityProcessor(deps: BaseProcessorDependencies): StreamProcessorHandler {
  return buildProcessor("activity", deps, createActivityAggregator(deps));
}

export function createAttachmentCleanupProcessor(
  deps: PipelineDependencies & { attachmentObjects?: AttachmentObjects | undefined },
): StreamProcessorHandler {
  return buildProcessor("attachments", deps, createAttachmentCleaner(deps));
}

/**
 * The realtime fanout: pushes to open WebSocket connections, at most once per record (a
 * redelivered record is answered from the idempotency store and pushes nothing again).
 */
export function createRealtimeProcessor(
  deps: BaseProcessorDependencies & RealtimeExtras,
): StreamProcessorHandler {
  return buildProcessor("realtime", deps, createRealtimeFanout(deps));
}

export interface ProcessorExtras {
  attachmentObjects?: AttachmentObjects | undefined;
  exportObjects?: ExportObjects | undefined;
  /** The deletions processor runs with this; without it that processor cannot be built. */
  createDeletionRunner?: DeletionRunnerFactory<ProcessorDependencies> | undefined;
  /** The realtime fanout runs with these (views and the management API); without them it cannot be built. */
  realtime?: RealtimeExtras | undefined;
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
    case "realtime":
      if (!deps.realtime)
        throw new Error("The realtime processor needs its realtime extras (views, connections API)");
      return createRealtimeProcessor({ ...deps, ...deps.realtime });
  }
}
