import { randomUUID } from "node:crypto";
import {
  DescribeStreamCommand,
  type DynamoDBStreamsClient,
  ExpiredIteratorException,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type Shard,
  TrimmedDataAccessException,
} from "@aws-sdk/client-dynamodb-streams";
import type { FilterPattern } from "@hearth/domain";
import { toLambdaStreamRecord } from "@hearth/stream-processors";
import type { Context, DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from "aws-lambda";
import type { CheckpointStore } from "./checkpoints.js";
import type { DeadLetter, DeadLetterCause, DeadLetterSink } from "./dead-letters.js";
import { createLambdaContext } from "./lambda-context.js";

export type StreamProcessor = (
  event: DynamoDBStreamEvent,
  context: Context,
) => Promise<DynamoDBBatchResponse | undefined>;

export interface BatchingSettings {
  batchSize: number;
  /** Retries after the first failed attempt; then the record goes to the dead letters. */
  retryAttempts: number;
  maxRecordAgeSeconds: number;
  maxBatchingWindowSeconds: number;
  bisectBatchOnError: boolean;
}

export interface StreamPollerOptions {
  streams: DynamoDBStreamsClient;
  streamArn: string;
  processorName: string;
  table: string;
  filterPatterns: readonly FilterPattern[];
  matches: (pattern: FilterPattern, record: unknown) => boolean;
  processor: StreamProcessor;
  batching: BatchingSettings;
  checkpoints: CheckpointStore;
  deadLetters: DeadLetterSink;
  /** Why the processor failed a record it reported (its failure note), for the dead letter. */
  causeOf: (record: DynamoDBRecord) => Promise<DeadLetterCause | undefined>;
  region: string;
  /**
   * Least time between two reads of a shard (Lambda reads a shard four times a second); a read
   * that found a whole batch or more is followed at once: a backlog is read without pause.
   */
  idleDelayMs?: number;
  /**
   * The longest pause between reads of a shard that has had nothing new for a while: the pause
   * doubles from `idleDelayMs` with each empty read up to this, and a read with records resets it.
   * A subscription without a batching window (the realtime fanout's) wants its first record at
   * once after any quiet, so it does not back off unless this is given.
   */
  quietDelayMs?: number;
  /** First retry delay; doubles with each attempt (capped at 5 s). */
  retryDelayMs?: number;
  functionTimeoutMs?: number;
  log?: (line: string) => void;
}

interface PendingRecord {
  record: DynamoDBRecord;
  sequenceNumber: string;
  matches: boolean;
  readAt: number;
}

interface ShardState {
  shardId: string;
  iterator?: string | undefined;
  /** The shard is closed and read to its end. */
  readToEnd: boolean;
  pending: PendingRecord[];
  /** Failed attempts of the record at the head of `pending`. */
  headAttempts: number;
  headSequenceNumber?: string;
  /** Shrunk by bisection after a function error; back to the batch size after a success. */
  maxBatch: number;
  retryAt: number;
  /** Not read again before this (see `idleDelayMs`). */
  nextReadAt: number;
  /** The pause after the next empty read (see `quietDelayMs`). */
  readDelayMs: number;
  /** The error of the last invocation that threw (a reported failure's cause is the processor's note). */
  thrown?: DeadLetterCause;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * One event source mapping, locally: reads a table's stream shard by shard (parents before
 * children), keeps only records matching the subscription's filters, and invokes the
 * processor in batches. A reported failure checkpoints before the failed record and retries
 * from it; a thrown error bisects the batch; after `retryAttempts` retries the record goes
 * to the dead letters and the shard moves on.
 */
export class StreamPoller {
  private readonly shards = new Map<string, ShardState>();
  private readonly subscription: string;
  private running = false;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private lastDescribe = 0;
  private knownShards: Shard[] = [];

  constructor(private readonly options: StreamPollerOptions) {
    this.subscription = `${options.processorName}:${options.table}`;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
  }

  /** Runs polls until nothing is left to deliver (for tests and draining). */
  async drain(maxCycles = 100): Promise<void> {
    for (let cycle = 0; cycle < maxCycles; cycle++) {
      const busy = await this.pollOnce({ ignoreDelays: true });
      if (!busy) return;
    }
    throw new Error(`${this.subscription}: still busy after ${maxCycles} polls`);
  }

  private async run(): Promise<void> {
    while (this.running) {
      let busy = false;
      try {
        busy = await this.pollOnce({ ignoreDelays: false });
      } catch (error) {
        this.options.log?.(`[streams] ${this.subscription}: ${(error as Error).message}`);
      }
      if (!this.running) break;
      if (!busy) {
        await new Promise<void>((resolve) => {
          this.wake = resolve;
          setTimeout(resolve, this.options.idleDelayMs ?? 250);
        });
      } else await sleep(10);
    }
  }

  /** One pass over the ready shards; true when something was read, delivered or is waiting. */
  async pollOnce({ ignoreDelays }: { ignoreDelays: boolean }): Promise<boolean> {
    await this.refreshShards(ignoreDelays);
    let busy = false;
    for (const state of this.readyShards()) {
      if (await this.pollShard(state, ignoreDelays)) busy = true;
    }
    return busy;
  }

  private async refreshShards(force: boolean): Promise<void> {
    const finishedAll = this.knownShards.every((shard) => this.checkpointOf(shard.ShardId!).finished);
    if (!force && !finishedAll && Date.now() - this.lastDescribe < 5000) return;
    const shards: Shard[] = [];
    let exclusiveStartShardId: string | undefined;
    do {
      const output = await this.options.streams.send(
        new DescribeStreamCommand({
          StreamArn: this.options.streamArn,
          ExclusiveStartShardId: exclusiveStartShardId,
        }),
      );
      shards.push(...(output.StreamDescription?.Shards ?? []));
      exclusiveStartShardId = output.StreamDescription?.LastEvaluatedShardId;
    } while (exclusiveStartShardId);
    this.knownShards = shards;
    this.lastDescribe = Date.now();
  }

  private checkpointOf(shardId: string) {
    return this.options.checkpoints.shards(this.subscription, this.options.streamArn)[shardId] ?? {};
  }

  /** Unfinished shards whose parent (if still in the stream) is finished: order within a key holds. */
  private readyShards(): ShardState[] {
    const ids = new Set(this.knownShards.map((shard) => shard.ShardId!));
    const ready: ShardState[] = [];
    for (const shard of this.knownShards) {
      const shardId = shard.ShardId!;
      if (this.checkpointOf(shardId).finished) continue;
      const parent = shard.ParentShardId;
      if (parent && ids.has(parent) && !this.checkpointOf(parent).finished) continue;
      let state = this.shards.get(shardId);
      if (!state) {
        state = {
          shardId,
          readToEnd: false,
          pending: [],
          headAttempts: 0,
          maxBatch: this.options.batching.batchSize,
          retryAt: 0,
          nextReadAt: 0,
          readDelayMs: this.options.idleDelayMs ?? 250,
        };
        this.shards.set(shardId, state);
      }
      ready.push(state);
    }
    return ready;
  }

  private async iteratorFor(state: ShardState): Promise<string | undefined> {
    const checkpoint = this.checkpointOf(state.shardId).sequenceNumber;
    const output = await this.options.streams.send(
      new GetShardIteratorCommand({
        StreamArn: this.options.streamArn,
        ShardId: state.shardId,
        ...(checkpoint
          ? { ShardIteratorType: "AFTER_SEQUENCE_NUMBER", SequenceNumber: checkpoint }
          : { ShardIteratorType: "TRIM_HORIZON" }),
      }),
    );
    return output.ShardIterator;
  }

  private async read(state: ShardState, ignoreDelays: boolean): Promise<number> {
    if (state.readToEnd || state.pending.length >= this.options.batching.batchSize) return 0;
    if (!ignoreDelays && Date.now() < state.nextReadAt) return 0;
    state.iterator ??= await this.iteratorFor(state);
    if (!state.iterator) {
      state.readToEnd = true;
      return 0;
    }
    try {
      const output = await this.options.streams.send(
        new GetRecordsCommand({ ShardIterator: state.iterator, Limit: 1000 }),
      );
      state.iterator = output.NextShardIterator;
      if (!state.iterator) state.readToEnd = true;
      const now = Date.now();
      this.paceReads(state, output.Records?.length ?? 0, now);
      for (const raw of output.Records ?? []) {
        const record = toLambdaStreamRecord(raw, {
          eventSourceARN: this.options.streamArn,
          awsRegion: this.options.region,
        });
        state.pending.push({
          record,
          sequenceNumber: record.dynamodb!.SequenceNumber!,
          matches: this.options.filterPatterns.some((pattern) => this.options.matches(pattern, record)),
          readAt: now,
        });
      }
      return output.Records?.length ?? 0;
    } catch (error) {
      if (error instanceof ExpiredIteratorException || error instanceof TrimmedDataAccessException) {
        // Re-read from the checkpoint: nothing after it was handled, so nothing is lost.
        state.iterator = undefined;
        state.pending = [];
        return 0;
      }
      throw error;
    }
  }

  /**
   * When the shard is read next. Every subscription reads its table's stream, and DynamoDB
   * Local answers each read with the CPU the tables need: a quiet stream is read less and less
   * often (at most `quietDelayMs` apart), a busy one every `idleDelayMs`, a backlog at once.
   */
  private paceReads(state: ShardState, found: number, now: number): void {
    const idle = this.options.idleDelayMs ?? 250;
    if (found >= this.options.batching.batchSize) {
      state.nextReadAt = 0;
      state.readDelayMs = idle;
      return;
    }
    if (found > 0) state.readDelayMs = idle;
    state.nextReadAt = now + state.readDelayMs;
    const quiet =
      this.options.quietDelayMs ?? (this.options.batching.maxBatchingWindowSeconds > 0 ? 1000 : idle);
    if (found === 0) state.readDelayMs = Math.min(state.readDelayMs * 2, quiet);
  }

  private consume(state: ShardState, count: number): void {
    const consumed = state.pending.splice(0, count);
    const last = consumed.at(-1);
    if (last) {
      this.options.checkpoints.advance(
        this.subscription,
        this.options.streamArn,
        state.shardId,
        last.sequenceNumber,
      );
    }
  }

  private async pollShard(state: ShardState, ignoreDelays: boolean): Promise<boolean> {
    const read = await this.read(state, ignoreDelays);
    const { batching } = this.options;

    // Records no filter wants, and records too old to deliver, are handled without an invocation.
    const maxAgeMs = batching.maxRecordAgeSeconds * 1000;
    let skip = 0;
    for (const pending of state.pending) {
      const created = pending.record.dynamodb?.ApproximateCreationDateTime;
      const tooOld = maxAgeMs >= 0 && created !== undefined && Date.now() - created * 1000 > maxAgeMs;
      if (pending.matches && !tooOld) break;
      if (pending.matches && tooOld) await this.deadLetter(state, pending, "RecordAgeExceeded", 0);
      skip++;
    }
    if (skip) this.consume(state, skip);

    if (state.pending.length === 0) {
      if (state.readToEnd) {
        this.options.checkpoints.finish(this.subscription, this.options.streamArn, state.shardId);
        this.shards.delete(state.shardId);
        return true;
      }
      return read > 0;
    }
    if (!ignoreDelays && Date.now() < state.retryAt) return false;

    // The batch: up to maxBatch matching records, spanning the filtered-out ones between them.
    const batch: PendingRecord[] = [];
    let span = 0;
    for (const pending of state.pending) {
      if (batch.length >= state.maxBatch) break;
      span++;
      if (pending.matches) batch.push(pending);
    }
    const windowOpen =
      !ignoreDelays &&
      batch.length < batching.batchSize &&
      !state.readToEnd &&
      Date.now() - state.pending[0]!.readAt < batching.maxBatchingWindowSeconds * 1000;
    if (windowOpen) return true;

    const failedAt = await this.invoke(state, batch);
    if (failedAt === undefined) {
      this.consume(state, span);
      state.maxBatch = batching.batchSize;
      state.headAttempts = 0;
      state.headSequenceNumber = undefined;
      return true;
    }
    // Everything before the failed record is done; retrying starts from it.
    const failedIndex = state.pending.indexOf(batch[failedAt.index]!);
    this.consume(state, failedIndex);
    if (failedAt.thrown && batching.bisectBatchOnError && batch.length > 1) {
      state.maxBatch = Math.ceil(batch.length / 2);
      return true;
    }
    const head = state.pending[0]!;
    if (state.headSequenceNumber !== head.sequenceNumber) {
      state.headSequenceNumber = head.sequenceNumber;
      state.headAttempts = 0;
    }
    state.headAttempts++;
    if (state.headAttempts > batching.retryAttempts) {
      await this.deadLetter(state, head, "RetryAttemptsExhausted", state.headAttempts);
      this.consume(state, 1);
      state.headAttempts = 0;
      state.headSequenceNumber = undefined;
      state.maxBatch = batching.batchSize;
      return true;
    }
    const delay = Math.min(5000, (this.options.retryDelayMs ?? 200) * 2 ** (state.headAttempts - 1));
    state.retryAt = Date.now() + delay;
    return true;
  }

  /** Invokes the processor; undefined on success, else where the batch failed. */
  private async invoke(
    state: ShardState,
    batch: PendingRecord[],
  ): Promise<{ index: number; thrown: boolean } | undefined> {
    const context = createLambdaContext(
      `hearth-local-${this.options.processorName}`,
      this.options.functionTimeoutMs ?? 60_000,
      this.options.region,
    );
    try {
      const response = await this.options.processor({ Records: batch.map((p) => p.record) }, context);
      const failures = response?.batchItemFailures ?? [];
      state.thrown = undefined;
      if (failures.length === 0) return undefined;
      const positions = failures.map((failure) =>
        batch.findIndex((p) => failure.itemIdentifier && p.sequenceNumber === failure.itemIdentifier),
      );
      // An identifier that is not in the batch fails the whole batch, as in Lambda.
      if (positions.some((position) => position < 0)) return { index: 0, thrown: false };
      return { index: Math.min(...positions), thrown: false };
    } catch (error) {
      const thrown = error instanceof Error ? error : new Error(String(error));
      state.thrown = { errorName: thrown.name, errorMessage: thrown.message.slice(0, 300) };
      this.options.log?.(`[streams] ${this.subscription}: processor failed: ${(error as Error).message}`);
      return { index: 0, thrown: true };
    }
  }

  /** The cause a dead letter carries: the thrown error, else the processor's note, else what is known. */
  private async causeOf(state: ShardState, pending: PendingRecord): Promise<DeadLetterCause> {
    if (state.thrown) return state.thrown;
    const noted = await this.options.causeOf(pending.record).catch(() => undefined);
    return (
      noted ?? {
        errorName: "Unknown",
        errorMessage: "The processor reported the record as failed; no cause was noted",
      }
    );
  }

  private async deadLetter(
    state: ShardState,
    pending: PendingRecord,
    condition: DeadLetter["requestContext"]["condition"],
    attempts: number,
  ): Promise<void> {
    const arrival = new Date(
      (pending.record.dynamodb?.ApproximateCreationDateTime ?? 0) * 1000,
    ).toISOString();
    this.options.deadLetters.write({
      version: "1.0",
      timestamp: new Date().toISOString(),
      requestContext: {
        requestId: randomUUID(),
        functionArn: `arn:aws:lambda:${this.options.region}:000000000000:function:hearth-local-${this.options.processorName}`,
        condition,
        approximateInvokeCount: attempts,
      },
      DDBStreamBatchInfo: {
        shardId: state.shardId,
        startSequenceNumber: pending.sequenceNumber,
        endSequenceNumber: pending.sequenceNumber,
        approximateArrivalOfFirstRecord: arrival,
        approximateArrivalOfLastRecord: arrival,
        batchSize: 1,
        streamArn: this.options.streamArn,
      },
      processor: this.options.processorName,
      table: this.options.table,
      ...(condition === "RetryAttemptsExhausted" ? { cause: await this.causeOf(state, pending) } : {}),
      record: pending.record,
    });
    this.options.log?.(
      `[streams] ${this.subscription}: record ${pending.sequenceNumber} sent to dead letters (${condition})`,
    );
  }
}
