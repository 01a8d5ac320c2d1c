import { IdempotencyConfig, makeIdempotent } from "@aws-lambda-powertools/idempotency";
import { DynamoDBPersistenceLayer } from "@aws-lambda-powertools/idempotency/dynamodb";
import type { BasePersistenceLayer } from "@aws-lambda-powertools/idempotency/persistence";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { dynamoClientOptions, dynamoConfigFromEnv, tableNamesFromEnv, tableSpec } from "@hearth/domain";
import type { Context, DynamoDBRecord } from "aws-lambda";
import type { FailureNotes } from "./failure-notes.js";
import {
  buildBatchPipeline,
  type ChangeHandler,
  countedHandler,
  type OutcomeCounter,
  type ProcessorIdentity,
  type StreamProcessorHandler,
} from "./pipeline.js";
import { type CoreProcessorDependencies, createProcessorTracer } from "./runtime.js";
import type { StreamChange } from "./stream-change.js";
import { RECORD_RETRY } from "./stream-subscriptions.js";

/** Stream records are kept 24 hours, so a redelivery can come no later than that. */
export const IDEMPOTENCY_EXPIRY_SECONDS = 24 * 60 * 60;

/** The part of a processor that runs each record at most once per `eventID`. */
export interface IdempotencyStore {
  idempotency: {
    /**
     * A fresh persistence layer for each processor: Powertools keeps the key prefix on the
     * layer instance, so two processors must not share one.
     */
    createPersistenceLayer(): BasePersistenceLayer;
    /** How long a processed record's idempotency entry is kept (its TTL). */
    expiresAfterSeconds: number;
    /** How long a record's in-progress entry locks it (`RECORD_RETRY.lockSeconds`). */
    recordLockMs: number;
  };
}

/**
 * The store on the IdempotencyRecords table (`IDEMPOTENCY_TABLE`), through a plain DynamoDB
 * client with the same settings as the document client's (Powertools writes marshalled items).
 */
export function idempotencyStoreFromEnv(env: NodeJS.ProcessEnv = process.env): IdempotencyStore {
  const client = createProcessorTracer().captureAWSv3Client(
    new DynamoDBClient(dynamoClientOptions(dynamoConfigFromEnv(env))),
  );
  const tableName = tableNamesFromEnv(env).IdempotencyRecords;
  const spec = tableSpec("IdempotencyRecords");
  return {
    idempotency: {
      createPersistenceLayer: () =>
        new DynamoDBPersistenceLayer({
          tableName,
          keyAttr: spec.partitionKey.name,
          expiryAttr: spec.timeToLiveAttribute ?? "expiration",
          awsSdkV3Client: client,
        }),
      expiresAfterSeconds: IDEMPOTENCY_EXPIRY_SECONDS,
      recordLockMs: RECORD_RETRY.lockSeconds * 1000,
    },
  };
}

/**
 * The invocation's context as the idempotency store sees it: Powertools locks a record until
 * the invocation's remaining time runs out (up to the function's whole minute); this one
 * locks it for `lockMs` at most (see `RECORD_RETRY` for why that is safe and enough).
 */
function withRecordLock(context: Context, lockMs: number): Context {
  return Object.assign(Object.create(context) as Context, {
    getRemainingTimeInMillis: () => Math.min(lockMs, context.getRemainingTimeInMillis()),
  });
}

/**
 * A stream processor on the shared pipeline with every record run at most once per `eventID`
 * (Powertools idempotency on the IdempotencyRecords table), so a redelivered record sends no
 * second email and counts nothing twice.
 */
export function idempotentProcessor<Summary>(
  identity: ProcessorIdentity,
  deps: CoreProcessorDependencies & IdempotencyStore & FailureNotes,
  handleChange: ChangeHandler<Summary>,
  counter: OutcomeCounter<Summary> = {},
): StreamProcessorHandler {
  const idempotencyConfig = new IdempotencyConfig({
    eventKeyJmesPath: "eventID",
    throwOnNoIdempotencyKey: true,
    expiresAfterSeconds: deps.idempotency.expiresAfterSeconds,
  });
  // The record is the idempotency payload; the change is what the handler works with.
  // Counted in here, so a redelivered record (answered from the idempotency store) is not.
  const counted = countedHandler(deps, handleChange, counter);
  const handleOnce = makeIdempotent(
    async (_record: DynamoDBRecord, change: StreamChange) => counted(change),
    {
      persistenceStore: deps.idempotency.createPersistenceLayer(),
      config: idempotencyConfig,
      // Processors see the same events (Comments, Messages…): their keys must not collide.
      keyPrefix: `hearth-${identity.processor}`,
      dataIndexArgument: 0,
    },
  );
  return buildBatchPipeline(identity, deps, handleOnce, (context) =>
    idempotencyConfig.registerLambdaContext(withRecordLock(context, deps.idempotency.recordLockMs)),
  );
}
