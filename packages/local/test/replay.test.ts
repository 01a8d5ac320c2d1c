import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type AttributeValue, GetItemCommand } from "@aws-sdk/client-dynamodb";
import { deleteTables, RecordFailuresRepository, serviceNameOf, tableEnvironment } from "@hearth/domain";
import { createTestDatabase, type TestDatabase } from "@hearth/domain/testing";
import { PROCESSOR_MANIFESTS } from "@hearth/stream-processors";
import type { DynamoDBRecord } from "aws-lambda";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { configFromEnv } from "../src/config.js";
import { type DeadLetter, DeadLetterFile } from "../src/dead-letters.js";
import { createStreamProcessors, processorEnvironment } from "../src/functions.js";
import {
  assertFunctionOfEnvironment,
  failureNotesOfEnvironment,
  failureNotesReader,
  groupedCauses,
  lambdaInvoker,
  replayBatchOf,
  replayLocalDeadLetters,
  withNotedCauses,
} from "../src/replay.js";

let db: TestDatabase;
const dir = mkdtempSync(join(tmpdir(), "hearth-replay-"));

beforeAll(async () => {
  db = await createTestDatabase(inject("dynamoEndpoint"), "replay");
});

afterAll(async () => {
  await deleteTables(db.client, db.prefix);
  db.client.destroy();
  rmSync(dir, { recursive: true, force: true });
});

let sequence = 0;
/** The stream record DynamoDB writes when `item` (DynamoDB JSON) is inserted, as Lambda delivers it. */
function insertRecord(item: Record<string, AttributeValue>, table = db.tables.Comments): DynamoDBRecord {
  sequence += 1;
  return {
    eventID: `replay-test-${Date.now()}-${sequence}`,
    eventName: "INSERT",
    eventSource: "aws:dynamodb",
    eventVersion: "1.1",
    awsRegion: "us-east-1",
    eventSourceARN: `arn:aws:dynamodb:us-east-1:000000000000:table/${table}/stream/2026-12-01T00:00:00.000`,
    dynamodb: {
      Keys: { itemId: item.itemId, commentId: item.commentId } as never,
      NewImage: item as never,
      SequenceNumber: String(100 + sequence),
      SizeBytes: 100,
      StreamViewType: "NEW_AND_OLD_IMAGES",
    },
  };
}

function deadLetter(record: DynamoDBRecord, processor = "activity"): DeadLetter {
  return {
    version: "1.0",
    timestamp: new Date().toISOString(),
    requestContext: {
      requestId: "r",
      functionArn: `arn:aws:lambda:us-east-1:000000000000:function:hearth-local-${processor}`,
      condition: "RetryAttemptsExhausted",
      approximateInvokeCount: 4,
    },
    DDBStreamBatchInfo: {
      shardId: "shard-1",
      startSequenceNumber: record.dynamodb!.SequenceNumber!,
      endSequenceNumber: record.dynamodb!.SequenceNumber!,
      approximateArrivalOfFirstRecord: new Date().toISOString(),
      approximateArrivalOfLastRecord: new Date().toISOString(),
      batchSize: 1,
      streamArn: record.eventSourceARN!,
    },
    processor,
    table: "Comments",
    record,
  };
}

describe("pnpm replay local", () => {
  const config = configFromEnv({ HEARTH_LOCAL_DIR: dir });
  const processors = () =>
    createStreamProcessors(
      processorEnvironment(config, {
        apiUrl: "http://127.0.0.1:9",
        tables: db.tables,
        dynamoEndpoint: inject("dynamoEndpoint"),
        // The activity processor sends no email; nothing listens here.
        sesEndpoint: "http://127.0.0.1:9",
        s3Endpoint: "http://127.0.0.1:9",
        schedulerEndpoint: "http://127.0.0.1:9",
        userPool: { userPoolId: "local_replay", endpoint: "http://127.0.0.1:9" },
        websocketManagementEndpoint: "http://127.0.0.1:9/local",
      }),
      { retryPauseMs: 0 },
    );

  it("feeds dead letters back through their processor, once per record however often it runs", async () => {
    await db.repositories.profiles.upsert("replay-author", { displayName: "Ada" });
    const comment = await db.repositories.comments.create({
      itemId: "/2015/christmas",
      userId: "replay-author",
      userName: "Ada",
      userPhotoUrl: null,
      commentText: "The tree!",
      itemTitle: null,
    });
    const file = new DeadLetterFile(join(dir, "dead-letters.jsonl"));
    const stored = await db.client.send(
      new GetItemCommand({
        TableName: db.tables.Comments,
        Key: { itemId: { S: comment.itemId }, commentId: { S: comment.commentId } },
      }),
    );
    file.write(deadLetter(insertRecord(stored.Item!)));

    const first = await replayLocalDeadLetters(file.read(), file.path, processors(), config.region);
    expect(first).toEqual([{ source: `${file.path}:1`, records: 1, failed: [] }]);
    expect((await db.repositories.profiles.get("replay-author"))?.commentCount).toBe(1);

    // A second replay (fresh processors, as a second `pnpm replay local` run) changes nothing.
    const second = await replayLocalDeadLetters(file.read(), file.path, processors(), config.region);
    expect(second[0]!.failed).toEqual([]);
    expect((await db.repositories.profiles.get("replay-author"))?.commentCount).toBe(1);
  });

  it("reports a record that fails again, and leaves it to a later replay", async () => {
    const broken = insertRecord({ itemId: { S: "/x" }, commentId: { S: "01BROKEN" }, userId: { N: "42" } });
    const file = new DeadLetterFile(join(dir, "broken.jsonl"));
    file.write(deadLetter(broken));
    const [outcome] = await replayLocalDeadLetters(file.read(), file.path, processors(), config.region);
    expect(outcome!.records).toBe(1);
    expect(outcome!.failed).toEqual([broken.dynamodb!.SequenceNumber]);
  });
});

describe("the causes pnpm replay prints first", () => {
  it("groups the records by processor, error name and message, most frequent first", () => {
    const cause = (errorMessage: string) => ({ errorName: "NotificationDeliveryError", errorMessage });
    const letters = [
      {
        ...deadLetter(insertRecord({ itemId: { S: "/1" }, commentId: { S: "1" } }), "notifications"),
        cause: cause("SES paused"),
      },
      {
        ...deadLetter(insertRecord({ itemId: { S: "/2" }, commentId: { S: "2" } }), "notifications"),
        cause: cause("SES paused"),
      },
      {
        ...deadLetter(insertRecord({ itemId: { S: "/3" }, commentId: { S: "3" } })),
        cause: { errorName: "ZodError", errorMessage: "userId: expected string" },
      },
      deadLetter(insertRecord({ itemId: { S: "/4" }, commentId: { S: "4" } })),
    ];
    const batches = letters.map((letter, index) => replayBatchOf(letter, `file:${index + 1}`));
    expect(groupedCauses(batches)).toEqual([
      "    2 × notifications: NotificationDeliveryError: SES paused",
      "    1 × activity: ZodError: userId: expected string",
      "    1 × activity: cause not recorded",
    ]);
  });
});

describe("failure records from an S3 on-failure destination", () => {
  const record = insertRecord(
    { itemId: { S: "/a" }, commentId: { S: "01A" }, userId: { S: "u" } },
    "hearth-prod-Comments",
  );
  const functionArn =
    "arn:aws:lambda:eu-west-1:470221836519:function:Hearth-prod-Events-activityFunctionA1B2C3-XyZ";
  const invocationRecord = {
    version: "1.0",
    timestamp: "2026-12-01T10:00:00.000Z",
    requestContext: {
      requestId: "r",
      functionArn,
      condition: "RetryAttemptsExhausted",
      approximateInvokeCount: 4,
    },
    responseContext: { statusCode: 200, executedVersion: "$LATEST", functionError: "Unhandled" },
    DDBStreamBatchInfo: { shardId: "s", batchSize: 1 },
    payload: JSON.stringify({ Records: [record] }),
  };

  it("yields the whole original event, from a string or an object payload", () => {
    expect(replayBatchOf(invocationRecord, "s3://b/k")).toEqual({
      source: "s3://b/k",
      functionArn,
      event: { Records: [record] },
      // Lambda's failure record says nothing of why; the processors' notes do (see RecordFailuresRepository).
      causes: [],
    });
    expect(replayBatchOf({ ...invocationRecord, payload: { Records: [record] } }, "s3://b/k").event).toEqual({
      Records: [record],
    });
  });

  it("refuses a record that kept only the batch's coordinates", () => {
    const { payload: _, ...coordinatesOnly } = invocationRecord;
    expect(() => replayBatchOf(coordinatesOnly, "s3://b/k")).toThrow(/cannot be replayed/);
    expect(() => replayBatchOf({ hello: 1 }, "s3://b/k")).toThrow(/not a Lambda invocation record/);
  });

  it("sends the event back to the function that failed it, only within the named environment", async () => {
    const batch = replayBatchOf(invocationRecord, "s3://b/k");
    expect(assertFunctionOfEnvironment(batch, "prod")).toBe(functionArn);
    expect(() => assertFunctionOfEnvironment(batch, "staging")).toThrow(/not a staging function/);

    const sent: unknown[] = [];
    const invoke = lambdaInvoker(async (input) => {
      sent.push({ ...input, Payload: JSON.parse(new TextDecoder().decode(input.Payload as Uint8Array)) });
      return {
        $metadata: {},
        StatusCode: 200,
        Payload: new TextEncoder().encode('{"batchItemFailures":[]}'),
      } as never;
    }, "prod");
    expect(await invoke(batch)).toEqual({ batchItemFailures: [] });
    expect(sent).toEqual([
      { FunctionName: functionArn, InvocationType: "RequestResponse", Payload: { Records: [record] } },
    ]);
  });

  it("prints each record's cause as the function that failed it noted it, in that function's own table", async () => {
    const digestsArn =
      "arn:aws:lambda:eu-west-1:470221836519:function:Hearth-prod-Events-digestsFunction-AbC";
    const stagingArn =
      "arn:aws:lambda:eu-west-1:470221836519:function:Hearth-staging-Events-activityFunctionA1B2C3-Q";
    // The deployed functions' configurations, named as infra names them: the activity
    // processor's, the digest function's (not a stream processor: it notes nothing), and
    // another environment's activity processor (never asked).
    const configurations: Record<string, Record<string, string>> = {
      [functionArn]: {
        POWERTOOLS_SERVICE_NAME: serviceNameOf(PROCESSOR_MANIFESTS.activity),
        ...tableEnvironment(db.tables),
      },
      [digestsArn]: { POWERTOOLS_SERVICE_NAME: serviceNameOf({ name: "notification-digests" }) },
      [stagingArn]: {
        POWERTOOLS_SERVICE_NAME: serviceNameOf(PROCESSOR_MANIFESTS.activity),
        ...tableEnvironment(db.tables),
      },
    };
    const other = insertRecord({ itemId: { S: "/b" }, commentId: { S: "01B" }, userId: { S: "u" } });
    await new RecordFailuresRepository({ doc: db.doc, tables: db.tables, cursors: db.cursors }).note(
      "activity",
      record.eventID!,
      { name: "ConditionalCheckFailedException", message: "The conditional request failed" },
    );
    const failedIn = (arn: string, records = [record]) => ({
      ...invocationRecord,
      requestContext: { ...invocationRecord.requestContext, functionArn: arn },
      payload: { Records: records },
    });
    const batches = [
      replayBatchOf(invocationRecord, "s3://b/1"),
      replayBatchOf(failedIn(functionArn, [other]), "s3://b/2"),
      replayBatchOf(failedIn(digestsArn), "s3://b/3"),
      replayBatchOf(failedIn(stagingArn), "s3://b/4"),
    ];
    const looked: string[] = [];
    const noted = await withNotedCauses(
      batches,
      failureNotesOfEnvironment("prod", async (arn) => {
        looked.push(arn);
        return configurations[arn];
      }),
      failureNotesReader(db.doc),
    );

    expect(noted[0]).toMatchObject({
      processor: "activity",
      causes: [
        {
          errorName: "ConditionalCheckFailedException",
          errorMessage: "The conditional request failed",
          attempts: 1,
        },
      ],
    });
    expect(groupedCauses(noted)).toEqual([
      "    1 × Hearth-prod-Events-digestsFunction-AbC: cause not recorded",
      "    1 × Hearth-staging-Events-activityFunctionA1B2C3-Q: cause not recorded",
      "    1 × activity: ConditionalCheckFailedException: The conditional request failed",
      "    1 × activity: cause not recorded",
    ]);
    // Each of this environment's functions is asked once, however many batches it failed.
    expect(looked).toEqual([functionArn, digestsArn]);
  });

  it("replays without the causes when the notes cannot be read, and says so", async () => {
    const warnings: string[] = [];
    const [batch] = await withNotedCauses(
      [replayBatchOf(invocationRecord, "s3://b/1")],
      async () => {
        throw new Error("AccessDeniedException: not allowed to GetFunctionConfiguration");
      },
      failureNotesReader(db.doc),
      (text) => warnings.push(text),
    );
    expect(batch!.causes).toEqual([]);
    expect(warnings).toEqual([
      "s3://b/1: could not read why its records failed (AccessDeniedException: not allowed to GetFunctionConfiguration)",
    ]);
  });
});
