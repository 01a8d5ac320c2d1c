import {
  BatchGetCommand,
  BatchWriteCommand,
  type DynamoDBDocumentClient,
  type NativeAttributeValue,
} from "@aws-sdk/lib-dynamodb";
import { DatabaseError, HearthError, toDomainError } from "../errors.js";
import { assertItemFits } from "./item-size.js";
import { type BackoffOptions, backoffDelay, defaultSleep } from "./retry.js";

export const BATCH_GET_LIMIT = 100;
export const BATCH_WRITE_LIMIT = 25;

export type Key = Record<string, NativeAttributeValue>;
export type WriteRequest = { put: Record<string, NativeAttributeValue> } | { delete: Key };

export const defaultBatchBackoff: BackoffOptions = { maxAttempts: 8, baseDelayMs: 25, maxDelayMs: 2000 };

/** Raised when a batch still has unprocessed items after every retry: nothing is dropped silently. */
export class BatchIncompleteError extends DatabaseError {
  constructor(
    message: string,
    readonly unprocessedCount: number,
  ) {
    super(message);
  }
}

function chunk<T>(items: readonly T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size));
  return chunks;
}

/**
 * Sends one chunk and keeps resending whatever DynamoDB reports back as unprocessed, with
 * exponential backoff and jitter; throttling errors of the whole call are retried the same way.
 */
async function sendUntilDone<P>(
  pending: P,
  send: (pending: P) => Promise<P | undefined>,
  size: (pending: P) => number,
  backoff: BackoffOptions,
  what: string,
): Promise<void> {
  const sleep = backoff.sleep ?? defaultSleep;
  let rest: P | undefined = pending;
  for (let attempt = 0; rest && size(rest) > 0; attempt++) {
    if (attempt >= backoff.maxAttempts) {
      throw new BatchIncompleteError(
        `${what}: ${size(rest)} item(s) still unprocessed after ${backoff.maxAttempts} attempts`,
        size(rest),
      );
    }
    if (attempt > 0) await sleep(backoffDelay(attempt - 1, backoff));
    try {
      rest = await send(rest);
    } catch (error) {
      const domainError = toDomainError(error);
      if (
        !(domainError instanceof HearthError && domainError.retryable) ||
        attempt + 1 >= backoff.maxAttempts
      ) {
        throw domainError;
      }
    }
  }
}

/** Reads any number of keys of one table, 100 per call, every unprocessed key retried. */
export async function batchGetAll<T extends Record<string, unknown>>(
  doc: DynamoDBDocumentClient,
  tableName: string,
  keys: readonly Key[],
  options: { backoff?: BackoffOptions; consistentRead?: boolean; projection?: string[] } = {},
): Promise<T[]> {
  const found: T[] = [];
  const projection = options.projection?.length
    ? {
        ProjectionExpression: options.projection.map((_, i) => `#p${i}`).join(", "),
        ExpressionAttributeNames: Object.fromEntries(options.projection.map((name, i) => [`#p${i}`, name])),
      }
    : {};
  for (const keysChunk of chunk(keys, BATCH_GET_LIMIT)) {
    await sendUntilDone<Key[]>(
      keysChunk,
      async (pending) => {
        const output = await doc.send(
          new BatchGetCommand({
            RequestItems: {
              [tableName]: { Keys: pending, ConsistentRead: options.consistentRead, ...projection },
            },
          }),
        );
        for (const item of output.Responses?.[tableName] ?? []) found.push(item as T);
        return output.UnprocessedKeys?.[tableName]?.Keys as Key[] | undefined;
      },
      (pending) => pending.length,
      options.backoff ?? defaultBatchBackoff,
      `BatchGet on ${tableName}`,
    );
  }
  return found;
}

/** Writes any number of puts/deletes to one table, 25 per call, every unprocessed request retried. */
export async function batchWriteAll(
  doc: DynamoDBDocumentClient,
  tableName: string,
  requests: readonly WriteRequest[],
  options: { backoff?: BackoffOptions } = {},
): Promise<void> {
  const writeRequests = requests.map((request) => {
    if ("put" in request) {
      assertItemFits(request.put);
      return { PutRequest: { Item: request.put } };
    }
    return { DeleteRequest: { Key: request.delete } };
  });
  for (const requestChunk of chunk(writeRequests, BATCH_WRITE_LIMIT)) {
    await sendUntilDone(
      requestChunk,
      async (pending) => {
        const output = await doc.send(new BatchWriteCommand({ RequestItems: { [tableName]: pending } }));
        return output.UnprocessedItems?.[tableName] as typeof requestChunk | undefined;
      },
      (pending) => pending.length,
      options.backoff ?? defaultBatchBackoff,
      `BatchWrite on ${tableName}`,
    );
  }
}
