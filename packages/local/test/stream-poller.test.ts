import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DynamoDBStreamsClient } from "@aws-sdk/client-dynamodb-streams";
import { deleteTables, streamArnOf } from "@hearth/domain";
import { createTestDatabase, type TestDatabase } from "@hearth/domain/testing";
import { matchesFilterPattern, STREAM_BATCHING, STREAM_SUBSCRIPTIONS } from "@hearth/stream-processors";
import type { DynamoDBRecord, DynamoDBStreamEvent } from "aws-lambda";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { CheckpointStore } from "../src/checkpoints.js";
import { DeadLetterFile } from "../src/dead-letters.js";
import { StreamPoller, type StreamPollerOptions, type StreamProcessor } from "../src/stream-poller.js";

let db: TestDatabase;
let streams: DynamoDBStreamsClient;
const dir = mkdtempSync(join(tmpdir(), "hearth-local-streams-"));

beforeAll(async () => {
  const endpoint = inject("dynamoEndpoint");
  db = await createTestDatabase(endpoint, "local-streams");
  streams = new DynamoDBStreamsClient({
    endpoint,
    region: "local",
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
  });
});

afterAll(async () => {
  await deleteTables(db.client, db.prefix);
  db.client.destroy();
  streams.destroy();
  rmSync(dir, { recursive: true, force: true });
});

const textOf = (record: DynamoDBRecord) => record.dynamodb?.NewImage?.commentText?.S ?? "";

/** A processor that records each invocation and fails the records `fails` picks. */
function recordingProcessor(
  fails: (record: DynamoDBRecord, invocation: number) => "report" | "throw" | undefined,
) {
  const invocations: string[][] = [];
  const processor: StreamProcessor = async (event: DynamoDBStreamEvent) => {
    invocations.push(event.Records.map(textOf));
    const failures = [];
    for (const record of event.Records) {
      const outcome = fails(record, invocations.length);
      if (outcome === "throw") throw new Error(`cannot handle ${textOf(record)}`);
      if (outcome === "report") failures.push({ itemIdentifier: record.dynamodb!.SequenceNumber! });
    }
    return { batchItemFailures: failures };
  };
  return { processor, invocations };
}

async function pollerFor(
  itemId: string,
  processor: StreamProcessor,
  label: string,
  overrides: Partial<StreamPollerOptions> = {},
) {
  const subscription = STREAM_SUBSCRIPTIONS.find(
    (s) => s.processor === "activity" && s.table === "Comments",
  )!;
  const deadLetters = new DeadLetterFile(join(dir, `${label}.jsonl`));
  const streamArn = (await streamArnOf(db.client, db.tables.Comments))!;
  // Only this test's item: tests share the table, the real filters still decide the rest.
  const onlyItem = { dynamodb: { Keys: { itemId: { S: [itemId] } } } };
  const poller = new StreamPoller({
    streams,
    streamArn,
    processorName: "activity",
    table: "Comments",
    filterPatterns: subscription.filterPatterns.map((pattern) => ({ ...pattern, ...onlyItem })),
    matches: matchesFilterPattern,
    processor,
    // The poller's own mechanics, with a retry limit of its own (the mapping's is longer).
    batching: { ...STREAM_BATCHING, batchSize: 10, retryAttempts: 3 },
    checkpoints: new CheckpointStore(join(dir, `${label}.json`)),
    deadLetters,
    // The processor's note of why it failed a record it reported.
    causeOf: async (record) => ({
      errorName: "UnreadableComment",
      errorMessage: `cannot read ${textOf(record)}`,
    }),
    region: "us-east-1",
    retryDelayMs: 0,
    ...overrides,
  });
  return { poller, deadLetters };
}

async function writeComments(itemId: string, texts: string[]) {
  for (const commentText of texts) {
    await db.repositories.comments.create({
      itemId,
      userId: "u1",
      userName: "U",
      userPhotoUrl: null,
      commentText,
      itemTitle: null,
    });
  }
}

describe("stream poller", () => {
  /** A stream client that answers at once with a single, empty shard, counting the reads. */
  function emptyStream() {
    const counted = { reads: 0 };
    const client = {
      send: async (command: { constructor: { name: string } }) => {
        switch (command.constructor.name) {
          case "DescribeStreamCommand":
            return { StreamDescription: { Shards: [{ ShardId: "shard-quiet" }] } };
          case "GetShardIteratorCommand":
            return { ShardIterator: "iterator" };
          default:
            counted.reads++;
            return { Records: [], NextShardIterator: "iterator" };
        }
      },
    } as unknown as DynamoDBStreamsClient;
    return { client, counted };
  }

  async function readsInAQuietSecond(options: Partial<StreamPollerOptions>): Promise<number> {
    const { processor } = recordingProcessor(() => undefined);
    const { client, counted } = emptyStream();
    const { poller } = await pollerFor("/quiet", processor, `quiet-${options.quietDelayMs}`, {
      streams: client,
      idleDelayMs: 10,
      ...options,
    });
    poller.start();
    await new Promise((resolve) => setTimeout(resolve, 1200));
    await poller.stop();
    return counted.reads;
  }

  it("reads a quiet stream less and less often, unless the subscription waits for no batching window", async () => {
    // Every 10 ms would be some sixty reads; backing off to 160 ms leaves about a dozen.
    const backedOff = await readsInAQuietSecond({ quietDelayMs: 160 });
    expect(backedOff).toBeGreaterThan(2);
    expect(backedOff).toBeLessThan(25);
    // The realtime fanout's kind: no batching window, so every read stays 10 ms apart.
    const eager = await readsInAQuietSecond({
      batching: { ...STREAM_BATCHING, batchSize: 10, retryAttempts: 3, maxBatchingWindowSeconds: 0 },
    });
    expect(eager).toBeGreaterThan(35);
  });

  it("still delivers what comes after a quiet", async () => {
    const { processor, invocations } = recordingProcessor(() => undefined);
    const { poller } = await pollerFor("/after-quiet", processor, "after-quiet", {
      idleDelayMs: 10,
      quietDelayMs: 160,
    });
    poller.start();
    try {
      await new Promise((resolve) => setTimeout(resolve, 600));
      await writeComments("/after-quiet", ["after the quiet"]);
      for (let waited = 0; invocations.length === 0 && waited < 5000; waited += 50) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(invocations.flat()).toEqual(["after the quiet"]);
    } finally {
      await poller.stop();
    }
  });

  it("delivers matching records in order, in Lambda's event shape", async () => {
    const { processor, invocations } = recordingProcessor(() => undefined);
    let event: DynamoDBStreamEvent | undefined;
    const { poller } = await pollerFor(
      "/ok",
      async (e, context) => {
        event ??= e;
        return processor(e, context);
      },
      "ok",
    );
    await writeComments("/ok", ["a", "b", "c"]);
    await poller.drain();
    expect(invocations.flat()).toEqual(["a", "b", "c"]);
    const record = event!.Records[0]!;
    expect(record).toMatchObject({ eventName: "INSERT", eventSource: "aws:dynamodb", eventVersion: "1.1" });
    expect(record.eventSourceARN).toContain("Comments");
    expect(typeof record.dynamodb?.ApproximateCreationDateTime).toBe("number");
    expect(record.dynamodb?.Keys?.itemId).toEqual({ S: "/ok" });
    expect(record.dynamodb?.NewImage?.reactionCount).toEqual({ N: "0" });
  });

  it("retries from a reported failure, then dead-letters it after the retry limit and moves on", async () => {
    const { processor, invocations } = recordingProcessor((record) =>
      textOf(record) === "bad" ? "report" : undefined,
    );
    const { poller, deadLetters } = await pollerFor("/partial", processor, "partial");
    await writeComments("/partial", ["first", "bad", "after"]);
    await poller.drain();
    // First attempt with all three, then three retries starting at the failed record.
    expect(invocations).toEqual([
      ["first", "bad", "after"],
      ["bad", "after"],
      ["bad", "after"],
      ["bad", "after"],
      ["after"],
    ]);
    const letters = deadLetters.read();
    expect(letters).toHaveLength(1);
    expect(letters[0]!.requestContext).toMatchObject({
      condition: "RetryAttemptsExhausted",
      approximateInvokeCount: 4,
    });
    expect(textOf(letters[0]!.record)).toBe("bad");
    expect(letters[0]!.cause).toEqual({ errorName: "UnreadableComment", errorMessage: "cannot read bad" });
    expect(letters[0]!.DDBStreamBatchInfo.startSequenceNumber).toBe(
      letters[0]!.record.dynamodb!.SequenceNumber,
    );
  });

  it("bisects a batch whose invocation throws, so only the poisoned record is dead-lettered", async () => {
    const { processor, invocations } = recordingProcessor((record) =>
      textOf(record) === "poison" ? "throw" : undefined,
    );
    const { poller, deadLetters } = await pollerFor("/throw", processor, "throw");
    await writeComments("/throw", ["one", "two", "poison", "four"]);
    await poller.drain();
    const delivered = invocations.filter((batch) => !batch.includes("poison")).flat();
    expect(delivered).toEqual(["one", "two", "four"]);
    expect(invocations.filter((batch) => batch.length === 1 && batch[0] === "poison")).toHaveLength(4);
    expect(deadLetters.read().map((letter) => textOf(letter.record))).toEqual(["poison"]);
    // The invocation's own error, by name and message: no stack.
    expect(deadLetters.read()[0]!.cause).toEqual({
      errorName: "Error",
      errorMessage: "cannot handle poison",
    });
  });

  it("recovers once a retried record succeeds, and resumes after its checkpoint on restart", async () => {
    const { processor, invocations } = recordingProcessor((record, invocation) =>
      textOf(record) === "flaky" && invocation < 3 ? "report" : undefined,
    );
    const { poller, deadLetters } = await pollerFor("/flaky", processor, "flaky");
    await writeComments("/flaky", ["flaky", "steady"]);
    await poller.drain();
    expect(invocations).toEqual([
      ["flaky", "steady"],
      ["flaky", "steady"],
      ["flaky", "steady"],
    ]);
    expect(deadLetters.read()).toEqual([]);

    // A new poller with the same checkpoint file sees only what came after.
    const second = recordingProcessor(() => undefined);
    const { poller: restarted } = await pollerFor("/flaky", second.processor, "flaky");
    await writeComments("/flaky", ["later"]);
    await restarted.drain();
    expect(second.invocations.flat()).toEqual(["later"]);
  });
});
