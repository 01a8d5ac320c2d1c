import { randomUUID } from "node:crypto";
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
} from "@aws-sdk/client-dynamodb-streams";
import {
  ConflictException,
  CreateScheduleCommand,
  type CreateScheduleCommandInput,
  SchedulerClient,
} from "@aws-sdk/client-scheduler";
import { type SESv2Client, SendEmailCommand, type SendEmailCommandInput } from "@aws-sdk/client-sesv2";
import {
  type ConversationType,
  deleteTables,
  type NotificationPreferences,
  streamArnOf,
  type TableName,
  tableEnvironment,
} from "@hearth/domain";
import { createTestDatabase, type TestDatabase } from "@hearth/domain/testing";
import type { Context, DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from "aws-lambda";
import { type AwsClientStub, mockClient } from "aws-sdk-client-mock";
import { afterAll, beforeAll, beforeEach, inject } from "vitest";
import { buildDigestFunction, type DigestHandler } from "../src/digests/build.js";
import { PROCESSOR_FUNCTIONS, type ProcessorName } from "../src/functions.js";
import { createEventBridgeDigestScheduler } from "../src/notifications/digest-scheduler.js";
import {
  type EmailSending,
  emailSendingFromEnv,
  type SiteLinks,
} from "../src/notifications/email-sending.js";
import type { DigestScheduling } from "../src/notifications/notify.js";
import type { StreamProcessorHandler } from "../src/pipeline.js";
import { type CoreProcessorDependencies, coreProcessorDependenciesFromEnv } from "../src/runtime.js";
import { toLambdaStreamRecord } from "../src/stream-records.js";

export const SITE_URL = "https://hearth.example";
export const SENDER_EMAIL = "Hearth <notifications@hearth.example>";
export const API_URL = "https://api.hearth.example/test";

/** The environment a deployed function would get, pointed at DynamoDB Local. */
export function functionEnvironment(db: TestDatabase, endpoint: string, extra: Record<string, string> = {}) {
  return {
    ...tableEnvironment(db.tables),
    STAGE: "test",
    DYNAMODB_ENDPOINT: endpoint,
    AWS_REGION: "local",
    SENDER_EMAIL,
    SITE_URL,
    API_URL,
    // The notifications processor schedules digests there (the others ignore it).
    DIGEST_SCHEDULE_GROUP: DIGEST_TARGET.group,
    DIGEST_SCHEDULER_ROLE_ARN: DIGEST_TARGET.roleArn,
    DIGEST_FUNCTION_ARN: DIGEST_TARGET.functionArn,
    DIGEST_DEAD_LETTER_ARN: DIGEST_TARGET.deadLetterArn,
    // The files bucket (attachments, exports, the fanout's download URLs), the user pool (deletions)
    // and the WebSocket management API (the fanout): nothing listens at these, tests stub or replace them.
    ATTACHMENTS_BUCKET: "hearth-test-files",
    S3_ENDPOINT: "http://127.0.0.1:9",
    USER_POOL_ID: "local_test",
    COGNITO_ENDPOINT: "http://127.0.0.1:9",
    WEBSOCKET_MANAGEMENT_ENDPOINT: "http://127.0.0.1:9/test",
    LOG_LEVEL: "SILENT",
    ...extra,
  };
}

export function lambdaContext(functionName = "stream-processor"): Context {
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: "$LATEST",
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:${functionName}`,
    memoryLimitInMB: "256",
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: "local",
    getRemainingTimeInMillis: () => 60_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

export const batchOf = (records: DynamoDBRecord[]): DynamoDBStreamEvent => ({ Records: records });

/**
 * Reads a table's DynamoDB Local stream the way Lambda's event source mapping does and
 * hands back the records not yet taken, shaped as Lambda delivers them.
 */
export class StreamTap {
  private readonly streams: DynamoDBStreamsClient;
  private readonly lastSequenceByShard = new Map<string, string>();

  constructor(
    endpoint: string,
    private readonly db: TestDatabase,
  ) {
    this.streams = new DynamoDBStreamsClient({
      endpoint,
      region: "local",
      credentials: { accessKeyId: "local", secretAccessKey: "local" },
    });
  }

  async take(table: TableName): Promise<DynamoDBRecord[]> {
    const streamArn = await streamArnOf(this.db.client, this.db.tables[table]);
    if (!streamArn) throw new Error(`${table} has no stream`);
    const { StreamDescription } = await this.streams.send(
      new DescribeStreamCommand({ StreamArn: streamArn }),
    );
    const taken: DynamoDBRecord[] = [];
    for (const shard of StreamDescription?.Shards ?? []) {
      const shardId = shard.ShardId as string;
      const after = this.lastSequenceByShard.get(shardId);
      let iterator = (
        await this.streams.send(
          new GetShardIteratorCommand({
            StreamArn: streamArn,
            ShardId: shardId,
            ...(after
              ? { ShardIteratorType: "AFTER_SEQUENCE_NUMBER", SequenceNumber: after }
              : { ShardIteratorType: "TRIM_HORIZON" }),
          }),
        )
      ).ShardIterator;
      while (iterator) {
        const output = await this.streams.send(
          new GetRecordsCommand({ ShardIterator: iterator, Limit: 1000 }),
        );
        const records = output.Records ?? [];
        if (records.length === 0) break;
        for (const record of records) {
          taken.push(toLambdaStreamRecord(record, { eventSourceARN: streamArn, awsRegion: "local" }));
          this.lastSequenceByShard.set(shardId, record.dynamodb?.SequenceNumber as string);
        }
        iterator = output.NextShardIterator;
      }
    }
    return taken;
  }

  /** Takes exactly one new record (the one the test just caused). */
  async takeOne(table: TableName): Promise<DynamoDBRecord> {
    const records = await this.take(table);
    if (records.length !== 1) throw new Error(`Expected one new ${table} record, got ${records.length}`);
    return records[0] as DynamoDBRecord;
  }

  /** Forgets what is on the streams so far (setup writes that are not under test). */
  async skip(...tables: TableName[]): Promise<void> {
    for (const table of tables) await this.take(table);
  }

  destroy(): void {
    this.streams.destroy();
  }
}

/**
 * The parts every function the harness builds shares, passed to each builder as overrides:
 * one movable clock, one SES client stubbed at the client, the stubbed scheduler, and the
 * core (tests swap its metrics or tracer before building). Everything else each builder
 * builds from the environment, as in Lambda.
 */
export type SharedParts = CoreProcessorDependencies & EmailSending & SiteLinks & DigestScheduling;

/** The overrides a processor's builder takes (its own parts, each replaceable). */
export type OverridesOf<Name extends ProcessorName> = NonNullable<
  Parameters<(typeof PROCESSOR_FUNCTIONS)[Name]["build"]>[1]
>;

export interface Harness {
  db: TestDatabase;
  endpoint: string;
  /** The function environment, like a deployed one's. */
  env: Record<string, string>;
  deps: SharedParts;
  ses: AwsClientStub<SESv2Client>;
  tap: StreamTap;
  /** Moves the processors' clock (the debounce window) forward. */
  advanceClock(ms: number): void;
  /** The emails sent since the last reset, in order. */
  sentEmails(): SendEmailCommandInput[];
  recipientsOfSent(): string[];
  /** Delivers `records` as one batch to a new processor (a fresh container each call). */
  process(name: ProcessorName, records: DynamoDBRecord[]): Promise<DynamoDBBatchResponse>;
  /** A processor built by its builder with the shared parts and `overrides` (faults, fakes). */
  build<Name extends ProcessorName>(name: Name, overrides?: OverridesOf<Name>): StreamProcessorHandler;
  /**
   * Scheduler, stubbed at the client the way EventBridge Scheduler answers: schedules kept by
   * name, a second CreateSchedule of a name a ConflictException. Faults are added per test.
   */
  scheduler: AwsClientStub<SchedulerClient>;
  /** The schedules created since the last reset, in order. */
  schedules(): CreateScheduleCommandInput[];
  /** The next CreateSchedule fails with `error` (a Scheduler fault). */
  failNextSchedule(error: Error): void;
  /** The digest function, as a new container would run it. */
  digest: DigestHandler;
  /** Runs the digest function with the input a created schedule hands its target. */
  fire(schedule: CreateScheduleCommandInput): ReturnType<DigestHandler>;
}

export const DIGEST_TARGET = {
  group: "hearth-test-digests",
  roleArn: "arn:aws:iam::000000000000:role/hearth-test-digest-scheduler",
  functionArn: "arn:aws:lambda:local:000000000000:function:hearth-test-notification-digests",
  deadLetterArn: "arn:aws:sqs:local:000000000000:hearth-test-digest-dead-letters",
};

/**
 * Tables under a prefix of this file's own, the processors' dependencies built from a
 * function environment like a deployed one, a stream tap, and SES stubbed at the client.
 */
export function useHarness(label: string, env: Record<string, string> = {}): () => Harness {
  let harness: Harness | undefined;
  beforeAll(async () => {
    const endpoint = inject("dynamoEndpoint");
    const db = await createTestDatabase(endpoint, label);
    let offsetMs = 0;
    const environment = functionEnvironment(db, endpoint, env);
    const schedulerClient = new SchedulerClient({ region: "local" });
    const deps: SharedParts = {
      // No tables of its own to check: each builder checks the ones its manifest declares.
      ...coreProcessorDependenciesFromEnv(environment, { tables: {} }),
      ...emailSendingFromEnv(environment),
      clock: () => new Date(Date.now() + offsetMs),
      // Tests fail records on purpose and retry them themselves: no pause before answering.
      retryPauseMs: 0,
      digestScheduler: createEventBridgeDigestScheduler(schedulerClient, DIGEST_TARGET),
    };
    const ses = mockClient(deps.ses);
    const scheduler = mockClient(schedulerClient);
    schedulerStub = scheduler;
    const digest = buildDigestFunction(environment, deps);
    const build = <Name extends ProcessorName>(name: Name, overrides?: OverridesOf<Name>) =>
      (PROCESSOR_FUNCTIONS[name].build as (e: typeof environment, o: object) => StreamProcessorHandler)(
        environment,
        { ...deps, ...overrides },
      );
    harness = {
      db,
      endpoint,
      env: environment,
      deps,
      ses,
      tap: new StreamTap(endpoint, db),
      advanceClock: (ms) => {
        offsetMs += ms;
      },
      sentEmails: () => ses.commandCalls(SendEmailCommand).map((call) => call.args[0].input),
      recipientsOfSent: () =>
        ses
          .commandCalls(SendEmailCommand)
          .flatMap((call) => call.args[0].input.Destination?.ToAddresses ?? [])
          .sort(),
      process: (name, records) => build(name)(batchOf(records), lambdaContext()),
      build,
      scheduler,
      schedules: () => [...created.values()],
      failNextSchedule: (error) => {
        scheduleFaults.push(error);
      },
      digest,
      fire: (schedule) => digest(JSON.parse(schedule.Target?.Input ?? "null"), lambdaContext("digests")),
    };
  });
  const created = new Map<string, CreateScheduleCommandInput>();
  const scheduleFaults: Error[] = [];
  let schedulerStub: AwsClientStub<SchedulerClient> | undefined;
  beforeEach(() => {
    harness?.ses.reset();
    harness?.ses.on(SendEmailCommand).resolves({ MessageId: randomUUID() });
    created.clear();
    scheduleFaults.length = 0;
    schedulerStub?.reset();
    schedulerStub?.on(CreateScheduleCommand).callsFake((input: CreateScheduleCommandInput) => {
      const fault = scheduleFaults.shift();
      if (fault) throw fault;
      const name = input.Name as string;
      if (created.has(name)) {
        const message = `Schedule ${name} already exists.`;
        throw new ConflictException({ message, Message: message, $metadata: {} });
      }
      created.set(name, input);
      return { ScheduleArn: `arn:aws:scheduler:local:000000000000:schedule/${input.GroupName}/${name}` };
    });
  });
  afterAll(async () => {
    if (!harness) return;
    harness.tap.destroy();
    await deleteTables(harness.db.client, harness.db.prefix);
    harness.db.client.destroy();
  });
  return () => {
    if (!harness) throw new Error("The harness is not ready");
    return harness;
  };
}

let sequence = 0;
/** Ids unique within the run, so tests sharing tables never see each other's data. */
export const uniqueId = (name: string) => `${name}-${++sequence}-${randomUUID().slice(0, 8)}`;

export const emailOf = (userId: string) => `${userId}@family.example`;

/** Members with unique ids made from `names` and a profile each with every notification on. */
export async function membersWithProfiles<const Names extends readonly string[]>(
  h: Harness,
  ...names: Names
): Promise<{ [K in keyof Names]: string }> {
  const userIds = names.map(uniqueId);
  for (const userId of userIds) await saveProfile(h, userId);
  return userIds as { [K in keyof Names]: string };
}

export async function saveProfile(
  h: Harness,
  userId: string,
  options: {
    displayName?: string;
    email?: string | null;
    preferences?: Partial<NotificationPreferences>;
  } = {},
) {
  // Saved as a member would (PUT /profile marks the profile `member`).
  await h.db.repositories.profiles.upsert(
    userId,
    {
      displayName: options.displayName ?? userId,
      notificationPreferences: { comments: true, reactions: true, messages: true, ...options.preferences },
    },
    { isMember: true, ...(options.email === null ? {} : { email: options.email ?? emailOf(userId) }) },
  );
}

/**
 * `userId` is no longer a member: taken out of the groups, as their next sign-in or token
 * refresh marks the profile (the rest of it stays as it was).
 */
export async function leaveTheFamily(h: Harness, userId: string) {
  await h.db.repositories.profiles.ensureOnSignIn(userId, { displayName: userId, isMember: false });
}

export function commentBy(
  userId: string,
  itemId: string,
  text = `A comment by ${userId}`,
  itemTitle = "Christmas 2015",
) {
  return { itemId, userId, userName: userId, userPhotoUrl: null, commentText: text, itemTitle };
}

/** A new conversation with one message in it. */
export async function conversationWithMessage(
  h: Harness,
  conversation: {
    conversationType: ConversationType;
    participantIds: string[];
    title?: string | null;
    senderId: string;
    senderName: string;
    messageText: string;
  },
) {
  const conversationId = uniqueId(conversation.conversationType);
  const { conversations } = h.db.repositories;
  await conversations.create({
    conversationId,
    conversationType: conversation.conversationType,
    participantIds: conversation.participantIds,
    title: conversation.title ?? null,
  });
  const message = await conversations.sendMessage({
    conversationId,
    senderId: conversation.senderId,
    senderName: conversation.senderName,
    messageText: conversation.messageText,
    attachments: [],
  });
  return { conversationId, message };
}
