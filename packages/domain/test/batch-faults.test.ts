// Faults DynamoDB Local cannot be made to produce (unprocessed items, throttling,
// transaction conflicts), simulated with aws-sdk-client-mock.
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import {
  BatchGetCommand,
  BatchWriteCommand,
  DynamoDBDocumentClient,
  TransactWriteCommand,
} from "@aws-sdk/lib-dynamodb";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, describe, expect, it } from "vitest";
import { BatchIncompleteError, batchGetAll, batchWriteAll } from "../src/dynamo/batch.js";
import type { BackoffOptions } from "../src/dynamo/retry.js";
import { transactWrite } from "../src/dynamo/transactions.js";
import { ConflictError, ThrottledError } from "../src/errors.js";

const doc = DynamoDBDocumentClient.from(new DynamoDBClient({ region: "local" }));
const docMock = mockClient(DynamoDBDocumentClient);
afterEach(() => docMock.reset());

function recordingBackoff(maxAttempts = 5): BackoffOptions & { delays: number[] } {
  const delays: number[] = [];
  return {
    maxAttempts,
    baseDelayMs: 10,
    maxDelayMs: 1000,
    random: () => 0.5,
    sleep: async (ms) => {
      delays.push(ms);
    },
    delays,
  };
}

const throttled = () =>
  Object.assign(new Error("Rate exceeded"), {
    name: "ProvisionedThroughputExceededException",
    $metadata: {},
  });

describe("batchWriteAll", () => {
  it("retries the unprocessed part with growing jittered delays until everything lands", async () => {
    const items = Array.from({ length: 30 }, (_, i) => ({ put: { id: `k${i}` } }));
    const sent: string[] = [];
    let calls = 0;
    docMock.on(BatchWriteCommand).callsFake((input) => {
      calls++;
      const requests = input.RequestItems.T as { PutRequest: { Item: { id: string } } }[];
      // The first call leaves its last two requests unprocessed.
      const keep = calls === 1 ? requests.slice(0, -2) : requests;
      sent.push(...keep.map((r) => r.PutRequest.Item.id));
      return { UnprocessedItems: calls === 1 ? { T: requests.slice(-2) } : {} };
    });
    const backoff = recordingBackoff();
    await batchWriteAll(doc, "T", items, { backoff });
    expect(new Set(sent).size).toBe(30);
    expect(sent).toHaveLength(30);
    // chunk 1 (25) -> 23 + retry of 2; chunk 2 (5) -> 5 at once (call 3 is the retry of chunk 1)
    expect(
      docMock.commandCalls(BatchWriteCommand).map((c) => (c.args[0].input.RequestItems?.T ?? []).length),
    ).toEqual([25, 2, 5]);
    expect(backoff.delays).toEqual([5]);
  });

  it("fails loudly, naming how many are left, when items stay unprocessed after the limit", async () => {
    docMock
      .on(BatchWriteCommand)
      .callsFake((input) => ({ UnprocessedItems: { T: input.RequestItems.T.slice(-1) } }));
    const backoff = recordingBackoff(4);
    const error = await batchWriteAll(doc, "T", [{ put: { id: "a" } }, { put: { id: "b" } }], {
      backoff,
    }).catch((e) => e);
    expect(error).toBeInstanceOf(BatchIncompleteError);
    expect(error.unprocessedCount).toBe(1);
    expect(docMock.commandCalls(BatchWriteCommand)).toHaveLength(4);
    // Exponential ceilings 10, 20, 40 with jitter 0.5.
    expect(backoff.delays).toEqual([5, 10, 20]);
  });

  it("retries throttling, then surfaces it as Throttled", async () => {
    docMock.on(BatchWriteCommand).rejectsOnce(throttled()).resolves({ UnprocessedItems: {} });
    await batchWriteAll(doc, "T", [{ put: { id: "a" } }], { backoff: recordingBackoff() });
    expect(docMock.commandCalls(BatchWriteCommand)).toHaveLength(2);

    docMock.reset();
    docMock.on(BatchWriteCommand).rejects(throttled());
    await expect(
      batchWriteAll(doc, "T", [{ put: { id: "a" } }], { backoff: recordingBackoff(3) }),
    ).rejects.toBeInstanceOf(ThrottledError);
    expect(docMock.commandCalls(BatchWriteCommand)).toHaveLength(3);
  });
});

describe("batchGetAll", () => {
  it("chunks by 100 and retries unprocessed keys until all are read", async () => {
    const keys = Array.from({ length: 150 }, (_, i) => ({ id: `k${i}` }));
    let first = true;
    docMock.on(BatchGetCommand).callsFake((input) => {
      const requested = input.RequestItems.T.Keys as { id: string }[];
      if (first) {
        first = false;
        return {
          Responses: { T: requested.slice(0, 90) },
          UnprocessedKeys: { T: { Keys: requested.slice(90) } },
        };
      }
      return { Responses: { T: requested }, UnprocessedKeys: {} };
    });
    const items = await batchGetAll(doc, "T", keys, { backoff: recordingBackoff() });
    expect(items.map((item) => item.id).sort()).toEqual(keys.map((k) => k.id).sort());
    expect(
      docMock.commandCalls(BatchGetCommand).map((c) => c.args[0].input.RequestItems?.T?.Keys?.length),
    ).toEqual([100, 10, 50]);
  });

  it("fails loudly when keys stay unprocessed", async () => {
    docMock
      .on(BatchGetCommand)
      .callsFake((input) => ({ Responses: { T: [] }, UnprocessedKeys: { T: input.RequestItems.T } }));
    await expect(
      batchGetAll(doc, "T", [{ id: "a" }], { backoff: recordingBackoff(3) }),
    ).rejects.toBeInstanceOf(BatchIncompleteError);
  });
});

describe("transactWrite", () => {
  const cancelled = (codes: string[]) =>
    Object.assign(new Error("Transaction cancelled"), {
      name: "TransactionCanceledException",
      CancellationReasons: codes.map((Code) => ({ Code })),
      $metadata: {},
    });
  const items = [
    { Put: { TableName: "T", Item: { id: "a" } } },
    {
      Update: {
        TableName: "T",
        Key: { id: "b" },
        UpdateExpression: "ADD n :one",
        ExpressionAttributeValues: { ":one": 1 },
      },
    },
  ];

  it("retries a transaction conflict and succeeds", async () => {
    docMock
      .on(TransactWriteCommand)
      .rejectsOnce(cancelled(["TransactionConflict", "None"]))
      .rejectsOnce(
        Object.assign(new Error("conflict"), { name: "TransactionConflictException", $metadata: {} }),
      )
      .resolves({});
    await transactWrite(doc, items, { backoff: recordingBackoff() });
    expect(docMock.commandCalls(TransactWriteCommand)).toHaveLength(3);
  });

  it("surfaces a lasting conflict as a retryable Conflict after the limit", async () => {
    docMock.on(TransactWriteCommand).rejects(cancelled(["None", "TransactionConflict"]));
    const error = await transactWrite(doc, items, { backoff: recordingBackoff(3) }).catch((e) => e);
    expect(error).toBeInstanceOf(ConflictError);
    expect(error.isTransactionConflict).toBe(true);
    expect(docMock.commandCalls(TransactWriteCommand)).toHaveLength(3);
  });

  it("does not retry a failed condition and says which item failed", async () => {
    docMock.on(TransactWriteCommand).rejects(cancelled(["None", "ConditionalCheckFailed"]));
    const error = await transactWrite(doc, items, { backoff: recordingBackoff() }).catch((e) => e);
    expect(error).toBeInstanceOf(ConflictError);
    expect(error.reasons).toEqual([undefined, "ConditionalCheckFailed"]);
    expect(docMock.commandCalls(TransactWriteCommand)).toHaveLength(1);
  });

  it("maps throttling cancellation to Throttled after retrying", async () => {
    docMock.on(TransactWriteCommand).rejects(cancelled(["ThrottlingError", "None"]));
    await expect(transactWrite(doc, items, { backoff: recordingBackoff(2) })).rejects.toBeInstanceOf(
      ThrottledError,
    );
    expect(docMock.commandCalls(TransactWriteCommand)).toHaveLength(2);
  });
});
