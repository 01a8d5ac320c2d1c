import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DynamoDBStreamsClient } from "@aws-sdk/client-dynamodb-streams";
import { deleteTables, streamArnOf, tableEnvironment } from "@hearth/domain";
import {
  createTestDatabase,
  type StallProxy,
  startStallProxy,
  type TestDatabase,
} from "@hearth/domain/testing";
import {
  matchesFilterPattern,
  PROCESSOR_FUNCTION_TIMEOUT_SECONDS,
  PROCESSOR_FUNCTIONS,
  STREAM_SUBSCRIPTIONS,
  streamBatchingOf,
} from "@hearth/stream-processors";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { CheckpointStore } from "../src/checkpoints.js";
import { DeadLetterFile } from "../src/dead-letters.js";
import { StreamPoller } from "../src/stream-poller.js";

/*
 * A minute's DynamoDB stall, injected on the wire between a processor and DynamoDB Local,
 * with the settings a deployed mapping has (retries, pauses, the record lock): the record
 * arrives while nothing gets through, its in-progress idempotency writes time out on the
 * client and land when the stall ends, and it must still be processed - once, and without
 * reaching the dead letters.
 */

const STALL_MS = 60_000;

let db: TestDatabase;
let proxy: StallProxy;
let streams: DynamoDBStreamsClient;
const dir = mkdtempSync(join(tmpdir(), "hearth-stall-"));

beforeAll(async () => {
  const endpoint = inject("dynamoEndpoint");
  db = await createTestDatabase(endpoint, "stall");
  proxy = await startStallProxy(endpoint);
  streams = new DynamoDBStreamsClient({
    endpoint,
    region: "local",
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
  });
});

afterAll(async () => {
  await proxy.close();
  await deleteTables(db.client, db.prefix);
  db.client.destroy();
  streams.destroy();
  rmSync(dir, { recursive: true, force: true });
});

describe("a one-minute DynamoDB stall", () => {
  it("delays a record but neither dead-letters it nor runs it twice", { timeout: 180_000 }, async () => {
    const processor = PROCESSOR_FUNCTIONS.activity.build({
      ...tableEnvironment(db.tables),
      STAGE: "test",
      AWS_REGION: "local",
      // The processor talks to DynamoDB through the proxy; the stream is read directly, as Lambda does.
      DYNAMODB_ENDPOINT: proxy.endpoint,
      FUNCTION_TIMEOUT_SECONDS: String(PROCESSOR_FUNCTION_TIMEOUT_SECONDS),
      LOG_LEVEL: "SILENT",
    });
    const subscription = STREAM_SUBSCRIPTIONS.find(
      (s) => s.processor === "activity" && s.table === "Comments",
    )!;
    const deadLetters = new DeadLetterFile(join(dir, "dead-letters.jsonl"));
    const poller = new StreamPoller({
      streams,
      streamArn: (await streamArnOf(db.client, db.tables.Comments))!,
      processorName: "activity",
      table: "Comments",
      filterPatterns: subscription.filterPatterns,
      matches: matchesFilterPattern,
      processor,
      batching: streamBatchingOf("activity"),
      checkpoints: new CheckpointStore(join(dir, "checkpoints.json")),
      deadLetters,
      causeOf: async () => undefined,
      region: "local",
      functionTimeoutMs: PROCESSOR_FUNCTION_TIMEOUT_SECONDS * 1000,
      idleDelayMs: 100,
    });
    await db.repositories.profiles.upsert("u-stall", { displayName: "Stall" });
    const comment = (commentText: string) =>
      db.repositories.comments.create({
        itemId: "/letters/stall",
        userId: "u-stall",
        userName: "Stall",
        userPhotoUrl: null,
        commentText,
        itemTitle: null,
      });
    const commentCountReaches = async (count: number, withinMs: number) => {
      for (let waited = 0; waited < withinMs; waited += 250) {
        const profile = await db.repositories.profiles.get("u-stall");
        if (profile?.commentCount === count) return count;
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
      return (await db.repositories.profiles.get("u-stall"))?.commentCount;
    };
    poller.start();
    // A first comment before the stall: the processor's connections are open when it begins.
    await comment("before the stall");
    expect(await commentCountReaches(1, 20_000)).toBe(1);

    const stalled = proxy.stall(STALL_MS);
    await comment("written during the stall");
    await stalled;
    // After the stall the record goes through within the next retries.
    const counted = await commentCountReaches(2, 60_000);
    await poller.stop();

    expect(proxy.heldChunks()).toBeGreaterThan(0);
    expect(deadLetters.read()).toEqual([]);
    // Counted once, though in-progress writes of several attempts landed late.
    expect(counted).toBe(2);
  });
});
