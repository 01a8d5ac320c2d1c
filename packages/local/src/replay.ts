import { randomBytes } from "node:crypto";
import type { InvokeCommandInput, InvokeCommandOutput } from "@aws-sdk/client-lambda";
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from "@aws-sdk/client-s3";
import {
  CursorCodec,
  RecordFailuresRepository,
  type RepositoryContext,
  serviceNameOf,
  tableNamesFromEnv,
} from "@hearth/domain";
import { PROCESSOR_MANIFESTS, PROCESSOR_NAMES, type ProcessorName } from "@hearth/stream-processors";
import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from "aws-lambda";
import type { DeadLetter, DeadLetterCause } from "./dead-letters.js";
import { createLambdaContext } from "./lambda-context.js";
import type { StreamProcessor } from "./stream-poller.js";

/**
 * `pnpm replay`: failed stream batches fed back through their processor. The processors
 * are idempotent per record (`eventID`), so replaying a record that did get through in the
 * meantime changes nothing, and replaying twice is safe.
 */
export interface ReplayBatch {
  /** Where the batch was kept: `s3://bucket/key` or `file:line`. */
  source: string;
  /** The function that failed it (from the invocation record). */
  functionArn: string;
  /** Known for local dead letters; deployed records name the function instead. */
  processor?: ProcessorName;
  event: DynamoDBStreamEvent;
  /** Why its records failed, where the failure record says (local dead letters carry it). */
  causes: DeadLetterCause[];
}

export interface ReplayOutcome {
  source: string;
  records: number;
  /** `eventID`s (or sequence numbers) the processor failed again; empty when all got through. */
  failed: string[];
  error?: string;
}

type Json = Record<string, unknown>;

function isStreamEvent(value: unknown): value is DynamoDBStreamEvent {
  return typeof value === "object" && value !== null && Array.isArray((value as Json).Records);
}

/**
 * The batch kept in one failure record: a local dead letter (one record, see
 * dead-letters.ts) or the invocation record Lambda writes to an S3 on-failure destination
 * (metadata plus the whole invocation `payload`). SQS/SNS destinations keep only the batch's
 * shard coordinates; those cannot be replayed once the stream has moved on.
 */
export function replayBatchOf(json: unknown, source: string): ReplayBatch {
  const record = (typeof json === "object" && json !== null ? json : {}) as Json;
  const functionArn = (record.requestContext as Json | undefined)?.functionArn;
  if (typeof functionArn !== "string") throw new Error(`${source}: not a Lambda invocation record`);
  const letter = record as Partial<DeadLetter>;
  if (letter.record) {
    const processor = (PROCESSOR_NAMES as readonly string[]).includes(letter.processor ?? "")
      ? (letter.processor as ProcessorName)
      : undefined;
    return {
      source,
      functionArn,
      processor,
      event: { Records: [letter.record] },
      causes: letter.cause ? [letter.cause] : [],
    };
  }
  const payload = typeof record.payload === "string" ? JSON.parse(record.payload) : record.payload;
  if (!isStreamEvent(payload)) {
    throw new Error(
      `${source}: holds no invocation payload (only the batch's coordinates); it cannot be replayed`,
    );
  }
  return { source, functionArn, event: payload, causes: [] };
}

/**
 * The causes of the failed records about to be replayed, grouped: how many records failed
 * with each (processor, error name and message), most frequent first, so an operator sees
 * what went wrong before running it again. Records whose cause is unknown are counted too.
 */
export function groupedCauses(batches: readonly ReplayBatch[]): string[] {
  const counts = new Map<string, number>();
  for (const batch of batches) {
    const who = batch.processor ?? batch.functionArn.split(":")[6] ?? batch.functionArn;
    const unknown = batch.event.Records.length - batch.causes.length;
    for (const cause of batch.causes) {
      const key = `${who}: ${cause.errorName}: ${cause.errorMessage}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    if (unknown > 0) {
      const key = `${who}: cause not recorded`;
      counts.set(key, (counts.get(key) ?? 0) + unknown);
    }
  }
  return [...counts]
    .sort(([a, x], [b, y]) => y - x || (a < b ? -1 : a > b ? 1 : 0))
    .map(([cause, count]) => `${String(count).padStart(5)} × ${cause}`);
}

/**
 * Where a deployed function noted why its records failed (see the pipeline's failure notes):
 * the processor it runs and its IdempotencyRecords table, both in its configuration.
 */
export interface FailureNotesOfFunction {
  processor: ProcessorName;
  /** The function's own environment: its table names (IdempotencyRecords among them). */
  environment: Record<string, string>;
}

/** What a processor function's environment says of its failure notes; undefined for any other function. */
function failureNotesOfFunction(
  environment: Record<string, string> | undefined,
): FailureNotesOfFunction | undefined {
  const serviceName = environment?.POWERTOOLS_SERVICE_NAME;
  const processor = PROCESSOR_NAMES.find((name) => serviceNameOf(PROCESSOR_MANIFESTS[name]) === serviceName);
  return environment && processor ? { processor, environment } : undefined;
}

/**
 * Where the functions of `environment` noted their failures, from each one's configuration
 * (`configurationOf`: its environment variables); another environment's function is not asked,
 * so its notes are neither shown nor replayed here.
 */
export function failureNotesOfEnvironment(
  environment: string,
  configurationOf: (functionArn: string) => Promise<Record<string, string> | undefined>,
): (functionArn: string) => Promise<FailureNotesOfFunction | undefined> {
  return async (functionArn) =>
    isFunctionOfEnvironment(functionArn, environment)
      ? failureNotesOfFunction(await configurationOf(functionArn))
      : undefined;
}

/** Reads a deployed function's failure notes through `doc`, in the table its environment names. */
export function failureNotesReader(
  doc: RepositoryContext["doc"],
): (notes: FailureNotesOfFunction, eventIDs: readonly string[]) => Promise<Map<string, DeadLetterCause>> {
  return async ({ processor, environment }, eventIDs) => {
    const notes = new RecordFailuresRepository({
      doc,
      tables: tableNamesFromEnv(environment),
      // Nothing is listed, so no cursor is ever signed.
      cursors: new CursorCodec(randomBytes(32).toString("hex")),
    });
    const found = await notes.causesOf(processor, eventIDs);
    return new Map(
      [...found].map(([eventID, note]) => [
        eventID,
        { errorName: note.errorName, errorMessage: note.errorMessage, attempts: note.attempts },
      ]),
    );
  };
}

/**
 * The batches of an S3 on-failure destination with each record's cause: Lambda's failure
 * record says nothing of why, the function noted it by the record's eventID. `notesOf` finds
 * where a function noted (its configuration), `causesOf` reads the notes there; a batch whose
 * notes cannot be read keeps no cause (they are printed as not recorded) rather than stop the replay.
 */
export async function withNotedCauses(
  batches: readonly ReplayBatch[],
  notesOf: (functionArn: string) => Promise<FailureNotesOfFunction | undefined>,
  causesOf: (
    notes: FailureNotesOfFunction,
    eventIDs: readonly string[],
  ) => Promise<Map<string, DeadLetterCause>>,
  warn: (text: string) => void = () => {},
): Promise<ReplayBatch[]> {
  const functions = new Map<string, Promise<FailureNotesOfFunction | undefined>>();
  const noted: ReplayBatch[] = [];
  for (const batch of batches) {
    if (!functions.has(batch.functionArn)) functions.set(batch.functionArn, notesOf(batch.functionArn));
    try {
      const notes = await functions.get(batch.functionArn);
      if (!notes) {
        noted.push(batch);
        continue;
      }
      const eventIDs = batch.event.Records.flatMap((record) => (record.eventID ? [record.eventID] : []));
      const causes = await causesOf(notes, eventIDs);
      noted.push({
        ...batch,
        processor: notes.processor,
        causes: eventIDs.flatMap((eventID) => {
          const cause = causes.get(eventID);
          return cause ? [cause] : [];
        }),
      });
    } catch (error) {
      warn(`${batch.source}: could not read why its records failed (${(error as Error).message})`);
      noted.push(batch);
    }
  }
  return noted;
}

/** Feeds each batch to `invoke`, one after another, and reports what failed again. */
export async function replayBatches(
  batches: readonly ReplayBatch[],
  invoke: (batch: ReplayBatch) => Promise<DynamoDBBatchResponse | undefined>,
): Promise<ReplayOutcome[]> {
  const outcomes: ReplayOutcome[] = [];
  for (const batch of batches) {
    const records = batch.event.Records.length;
    try {
      const response = await invoke(batch);
      const failed = (response?.batchItemFailures ?? []).map((failure) => failure.itemIdentifier);
      outcomes.push({ source: batch.source, records, failed });
    } catch (error) {
      outcomes.push({
        source: batch.source,
        records,
        failed: batch.event.Records.map((r) => r.eventID ?? r.dynamodb?.SequenceNumber ?? "?"),
        error: (error as Error).message,
      });
    }
  }
  return outcomes;
}

/** `s3://bucket/key-or-prefix` → its parts. */
function parseS3Uri(uri: string): { bucket: string; prefix: string } {
  const match = /^s3:\/\/([^/]+)\/?(.*)$/.exec(uri);
  if (!match) throw new Error(`Not an s3:// URI: ${uri}`);
  return { bucket: match[1]!, prefix: match[2]! };
}

/** Every failure record under an S3 URI (one object, or all objects under a prefix). */
export async function batchesInS3(s3: S3Client, uri: string): Promise<ReplayBatch[]> {
  const { bucket, prefix } = parseS3Uri(uri);
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
    );
    for (const object of page.Contents ?? [])
      if (object.Key && !object.Key.endsWith("/")) keys.push(object.Key);
    token = page.NextContinuationToken;
  } while (token);
  const batches: ReplayBatch[] = [];
  for (const key of keys.sort()) {
    const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    const text = (await object.Body?.transformToString()) ?? "";
    batches.push(replayBatchOf(JSON.parse(text), `s3://${bucket}/${key}`));
  }
  return batches;
}

/** Whether a function is one of an environment's processors (its physical name starts with the Events stack's name). */
function isFunctionOfEnvironment(functionArn: string, environment: string): boolean {
  return (functionArn.split(":")[6] ?? "").startsWith(`Hearth-${environment}-Events-`);
}

/** A deployed environment's batch goes back to the function that failed it, which must be one of that environment's processors. */
export function assertFunctionOfEnvironment(batch: ReplayBatch, environment: string): string {
  if (!isFunctionOfEnvironment(batch.functionArn, environment)) {
    const name = batch.functionArn.split(":")[6] ?? "";
    throw new Error(`${batch.source}: failed in ${name || batch.functionArn}, not a ${environment} function`);
  }
  return batch.functionArn;
}

/** Invokes the deployed function synchronously with the original event, as its mapping did. */
export function lambdaInvoker(
  send: (input: InvokeCommandInput) => Promise<InvokeCommandOutput>,
  environment: string,
): (batch: ReplayBatch) => Promise<DynamoDBBatchResponse | undefined> {
  return async (batch) => {
    const response = await send({
      FunctionName: assertFunctionOfEnvironment(batch, environment),
      InvocationType: "RequestResponse",
      Payload: new TextEncoder().encode(JSON.stringify(batch.event)),
    });
    const body = response.Payload ? new TextDecoder().decode(response.Payload) : "";
    if (response.FunctionError) throw new Error(`the function failed: ${body.slice(0, 500)}`);
    return body ? (JSON.parse(body) as DynamoDBBatchResponse) : undefined;
  };
}

/** The local stack's processors, built as `pnpm dev` builds them, for its dead letters. */
export async function replayLocalDeadLetters(
  letters: readonly DeadLetter[],
  source: string,
  processors: Record<ProcessorName, StreamProcessor>,
  region: string,
  log: (text: string) => void = () => {},
): Promise<ReplayOutcome[]> {
  const batches = letters.map((letter, index) => replayBatchOf(letter, `${source}:${index + 1}`));
  const causes = groupedCauses(batches);
  if (causes.length) log(["Causes of the failed records:", ...causes].join("\n"));
  return replayBatches(batches, async (batch) => {
    if (!batch.processor) throw new Error(`${batch.source}: names no known processor`);
    const context = createLambdaContext(`hearth-local-${batch.processor}`, 60_000, region);
    return (await processors[batch.processor](batch.event, context)) ?? undefined;
  });
}
