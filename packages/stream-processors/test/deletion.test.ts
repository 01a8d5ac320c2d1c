import { AdminGetUserCommand } from "@aws-sdk/client-cognito-identity-provider";
import { ListObjectsV2Command, PutObjectCommand } from "@aws-sdk/client-s3";
import { GetCommand, PutCommand, QueryCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import {
  type Attachment,
  type Caller,
  type Comment,
  CommentsRepository,
  ConnectionsRepository,
  ConversationsRepository,
  DELETED_MESSAGE_PREVIEW,
  FORMER_MEMBER,
  HeldNotificationsRepository,
  type Job,
  JobsRepository,
  NotificationsRepository,
  ProfilesRepository,
  RATE_LIMIT_KINDS,
  type RateLimits,
  RateLimitsRepository,
  ReactionsRepository,
  RevocationsRepository,
  reactionCountsOf,
  StoredResponsesRepository,
  windowOf,
} from "@hearth/domain";
import { photoPrefix } from "@hearth/views/photos";
import type { DynamoDBBatchResponse, DynamoDBRecord } from "aws-lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { exportPrefixOf, s3AttachmentObjects } from "../src/attachments/s3-objects.js";
import {
  createDeletionRunner,
  type DeletionDependencies,
  type DeletionRepositories,
} from "../src/deletions/deletion.js";
import { cognitoUserAccounts } from "../src/deletions/user-accounts.js";
import type { JobRun } from "../src/jobs/runner.js";
import { STREAM_BATCHING } from "../src/stream-subscriptions.js";
import { type LocalCognito, type LocalS3, startLocalCognito, startLocalS3 } from "./engines.js";
import { batchOf, type Harness, lambdaContext, saveProfile, uniqueId, useHarness } from "./helpers.js";

const harness = useHarness("deletion");
let s3: LocalS3;
let cognito: LocalCognito;

beforeAll(async () => {
  [s3, cognito] = await Promise.all([startLocalS3(), startLocalCognito()]);
}, 60_000);
afterAll(async () => {
  await Promise.all([s3?.stop(), cognito?.stop()]);
});

/** Runs `work` over `items`, `width` at a time (setup speed only). */
async function inParallel<T>(items: readonly T[], width: number, work: (item: T) => Promise<unknown>) {
  for (let start = 0; start < items.length; start += width) {
    await Promise.all(items.slice(start, start + width).map(work));
  }
}

/** Delivers records in batches of the event source mapping's size; the failures of all of them. */
async function inBatches(
  records: DynamoDBRecord[],
  process: (batch: DynamoDBRecord[]) => Promise<DynamoDBBatchResponse>,
): Promise<DynamoDBBatchResponse["batchItemFailures"]> {
  const failures: DynamoDBBatchResponse["batchItemFailures"] = [];
  for (let start = 0; start < records.length; start += STREAM_BATCHING.batchSize) {
    failures.push(
      ...(await process(records.slice(start, start + STREAM_BATCHING.batchSize))).batchItemFailures,
    );
  }
  return failures;
}

function deletionJob(userId: string): Job {
  const now = new Date().toISOString();
  return {
    jobId: uniqueId("job"),
    kind: "deletion",
    userId,
    requestedBy: userId,
    status: "IN_PROGRESS",
    createdAt: now,
    updatedAt: now,
    progress: {},
  };
}

/**
 * What the jobs worker hands a runner: `checkpoint` stores progress and state on the job
 * (as JSON, like the Jobs table), so a later run resumes from what was saved. With
 * `failAtCheckpoint`, that call throws instead (the worker died before it could save).
 */
function workerRun(job: Job, options: { failAtCheckpoint?: number } = {}): JobRun & { checkpoints: number } {
  const run = {
    job: JSON.parse(JSON.stringify(job)) as Job,
    checkpoints: 0,
    async checkpoint(progress: Job["progress"], state: Record<string, unknown>) {
      run.checkpoints++;
      if (run.checkpoints === options.failAtCheckpoint) throw new Error("injected: the worker died");
      job.progress = JSON.parse(JSON.stringify(progress));
      job.checkpoint = JSON.parse(JSON.stringify(state));
    },
  };
  return run;
}

/** A document client over the same DynamoDB Local whose `nth` matching call fails once. */
function faultyRepositories(
  h: Harness,
  fails: (command: unknown) => boolean,
  nth: number,
): DeletionRepositories {
  let seen = 0;
  const doc = new Proxy(h.db.doc, {
    get(target, property, receiver) {
      if (property !== "send") return Reflect.get(target, property, receiver);
      return (command: unknown) => {
        if (fails(command) && ++seen === nth) {
          return Promise.reject(Object.assign(new Error("injected fault"), { name: "InternalServerError" }));
        }
        return target.send(command as never);
      };
    },
  });
  // The deletion's own repositories, as its builder makes them (the API's write gate is not theirs).
  const context = { doc, tables: h.db.tables, cursors: h.db.cursors };
  const comments = new CommentsRepository(context);
  return {
    jobs: new JobsRepository(context),
    reactions: new ReactionsRepository(context, comments),
    comments,
    conversations: new ConversationsRepository(context),
    rateLimits: new RateLimitsRepository(context),
    notifications: new NotificationsRepository(context),
    heldNotifications: new HeldNotificationsRepository(context),
    connections: new ConnectionsRepository(context),
    storedResponses: new StoredResponsesRepository(context),
    profiles: new ProfilesRepository(context),
    revocations: new RevocationsRepository(context),
  };
}

const isUpdateOf = (table: string) => (command: unknown) =>
  command instanceof UpdateCommand && command.input.TableName === table;

/**
 * Hour-long windows: the setup takes longer than a minute on a busy machine, and the runner
 * removes only the current and the previous window (older ones have expired by then).
 */
const HOURLY_LIMITS = Object.fromEntries(
  RATE_LIMIT_KINDS.map((kind) => [kind, { limit: 100, windowSeconds: 3600 }]),
) as RateLimits;

/** The connections the cascade closed (API Gateway's DeleteConnection, recorded). */
const closedConnections: string[] = [];

function dependencies(repositories: DeletionRepositories): DeletionDependencies {
  return {
    repositories,
    rateLimits: HOURLY_LIMITS,
    userAccounts: cognitoUserAccounts(cognito.client, cognito.userPoolId),
    connectionsApi: {
      async close(connectionId) {
        closedConnections.push(connectionId);
        return "sent";
      },
    },
  };
}

async function keysUnder(prefix: string): Promise<string[]> {
  const output = await s3.client.send(new ListObjectsV2Command({ Bucket: s3.bucket, Prefix: prefix }));
  return (output.Contents ?? []).map((object) => object.Key as string).sort();
}

async function cognitoUserExists(username: string): Promise<boolean> {
  try {
    await cognito.client.send(
      new AdminGetUserCommand({ UserPoolId: cognito.userPoolId, Username: username }),
    );
    return true;
  } catch (error) {
    if ((error as Error).name === "UserNotFoundException") return false;
    throw error;
  }
}

/**
 * A member who leaves, with more than a page of everything: 250 comments (some edited, some
 * deleted already), 120 reactions on Ann's comments (Ben likes 40 of them too), 3
 * conversations with Ann and Ben holding 150 of their messages (every fifth with a stored
 * attachment) between the others', rate-limit windows and 3 export objects.
 */
async function memberWithEverything(h: Harness) {
  const { comments, reactions, conversations, rateLimits } = h.db.repositories;
  const { username: cognitoUsername } = await cognito.createUser(`${uniqueId("leaver")}@family.example`);
  // Unlike a real pool, a user id other than the username: only the recorded username can delete the user.
  const leaver = uniqueId("leaver");
  const [ann, ben] = [uniqueId("ann"), uniqueId("ben")];
  for (const userId of [leaver, ann, ben]) await saveProfile(h, userId, { displayName: userId });
  // As the sign-in trigger records a member who joined.
  await h.db.doc.send(
    new UpdateCommand({
      TableName: h.db.tables.UserProfiles,
      Key: { userId: leaver },
      UpdateExpression: "SET cognitoUsername = :username",
      ExpressionAttributeValues: { ":username": cognitoUsername },
    }),
  );

  const itemIds = ["/2015/christmas", "/letters/1944-05", "/photos/farm", "/2020/garden"];
  const annComments: Comment[] = [];
  await inParallel([...Array(120).keys()], 20, async (i) => {
    annComments.push(
      await comments.create({
        itemId: itemIds[i % 4] as string,
        userId: ann,
        userName: "Ann",
        userPhotoUrl: null,
        commentText: `Ann's comment ${i}`,
        itemTitle: null,
      }),
    );
  });
  annComments.sort((a, b) => a.commentId.localeCompare(b.commentId));
  const likedByBen = annComments.slice(0, 40).map((comment) => comment.commentId);
  await inParallel(annComments, 20, (comment) => reactions.toggle(comment.commentId, leaver));
  await inParallel(likedByBen, 20, (commentId) => reactions.toggle(commentId, ben));

  const leaverComments: Comment[] = [];
  await inParallel([...Array(250).keys()], 25, async (i) => {
    leaverComments.push(
      await comments.create({
        itemId: itemIds[i % 4] as string,
        userId: leaver,
        userName: "Leaver",
        userPhotoUrl: "https://photos.example/leaver.jpg",
        commentText: `Leaver's secret ${i}`,
        itemTitle: null,
      }),
    );
  });
  const caller: Caller = { userId: leaver, groups: ["ApprovedUsers"] };
  await inParallel(leaverComments.slice(0, 10), 10, (comment) =>
    comments.edit(comment.itemId, comment.commentId, caller, `Leaver's edited secret ${comment.commentId}`),
  );
  await inParallel(leaverComments.slice(10, 15), 5, (comment) =>
    comments.softDelete(comment.itemId, comment.commentId, caller, { asAdmin: false }),
  );
  // Ann likes some of the leaver's comments: her reactions are hers and stay.
  await inParallel(leaverComments.slice(20, 30), 10, (comment) => reactions.toggle(comment.commentId, ann));

  const conversationIds = [uniqueId("dm"), uniqueId("grp"), uniqueId("grp")];
  const attachmentKeys: string[] = [];
  await Promise.all(
    conversationIds.map(async (conversationId, index) => {
      const participantIds = index === 0 ? [ann, leaver] : [ann, ben, leaver];
      await conversations.create({
        conversationId,
        conversationType: index === 0 ? "direct" : "group",
        participantIds,
        title: index === 0 ? null : `Group ${index}`,
      });
      for (let i = 0; i < 60; i++) {
        const fromOthers = i % 6 === 4;
        const attachments: Attachment[] = [];
        if (!fromOthers && i % 5 === 0) {
          const s3Key = `attachments/${leaver}/${conversationId}-${i}/letter.pdf`;
          await s3.client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: s3Key, Body: "scan" }));
          attachments.push({ s3Key, filename: "letter.pdf", contentType: "application/pdf", size: 4 });
          attachmentKeys.push(s3Key);
        }
        await conversations.sendMessage({
          conversationId,
          senderId: fromOthers ? ann : leaver,
          senderName: fromOthers ? "Ann" : "Leaver",
          messageText: fromOthers ? `Ann says ${i}` : `Leaver's private note ${i}`,
          attachments,
        });
      }
      // The second conversation ends with Ann's message; the others with the leaver's.
      if (index === 1) {
        await conversations.sendMessage({
          conversationId,
          senderId: ann,
          senderName: "Ann",
          messageText: "Ann has the last word",
          attachments: [],
        });
      }
    }),
  );
  // 60 messages a conversation, every sixth Ann's: 50 of the leaver's in each.
  // And a group the leaver wrote in twice and then left: no membership of theirs leads there.
  const leftConversationId = uniqueId("left");
  await conversations.create({
    conversationId: leftConversationId,
    conversationType: "group",
    participantIds: [ann, ben, leaver],
    title: "Left behind",
  });
  for (const text of ["Before I go", "Goodbye all"]) {
    await conversations.sendMessage({
      conversationId: leftConversationId,
      senderId: leaver,
      senderName: "Leaver",
      messageText: text,
      attachments: [],
    });
  }
  await conversations.leaveGroup(leaver, leftConversationId);
  const rateLimitWindow = windowOf(new Date(), HOURLY_LIMITS.comments.windowSeconds).start;
  await rateLimits.consume(leaver, "comments", HOURLY_LIMITS.comments);
  await rateLimits.consume(leaver, "messages", HOURLY_LIMITS.messages);
  await rateLimits.consume(ann, "comments", HOURLY_LIMITS.comments);
  // Their feed: three entries (and so an unread counter of 3); Ann's one stays.
  for (const n of [1, 2, 3]) {
    const event = {
      sourceEventId: `${leaver}-event-${n}`,
      kind: "comment" as const,
      actor: { userId: ann, displayName: "Ann" },
      itemId: "/deletion/feed",
      text: `Ann wrote ${n}`,
      createdAt: new Date(Date.UTC(2026, 0, n)).toISOString(),
    };
    await h.db.repositories.notifications.addForRecipients(n === 3 ? [leaver, ann] : [leaver], event);
  }
  // What the leaver did, in Ben's feed (two entries naming them, with previews) and held for
  // Ben's digest (one event naming them).
  for (const n of [1, 2]) {
    await h.db.repositories.notifications.addForRecipients([ben], {
      sourceEventId: `${leaver}-wrote-${n}`,
      kind: "message",
      actor: { userId: leaver, displayName: "Leaver" },
      conversationId: "somewhere",
      text: `Leaver's secret ${n}`,
      createdAt: new Date(Date.UTC(2026, 1, n)).toISOString(),
    });
  }
  await h.db.repositories.heldNotifications.hold(
    {
      userId: ben,
      kind: "message",
      windowStart: new Date().toISOString(),
      notificationId: "2026-02-01T00:00:00.000Z#000000000001",
      actor: { userId: leaver, displayName: "Leaver" },
      itemId: null,
      itemTitle: null,
      conversationId: "somewhere",
      conversationTitle: "Somewhere",
      createdAt: new Date().toISOString(),
    },
    new Date(Date.now() + 15 * 60_000),
  );
  // An export of theirs in flight.
  const { job: exportJob } = await h.db.repositories.jobs.createOrGetActive("export", leaver, leaver);
  await h.db.repositories.jobs.start(exportJob);
  // Two responses stored for the leaver's idempotent requests, one for Ann's, one of a processor's.
  for (const [id, ownerId] of [
    [`hearth-api#${leaver}-1`, leaver],
    [`hearth-api#${leaver}-2`, leaver],
    [`hearth-api#${ann}-1`, ann],
    [`processor#${leaver}-record`, undefined],
  ] as const) {
    await h.db.doc.send(
      new PutCommand({
        TableName: h.db.tables.IdempotencyRecords,
        Item: { id, status: "COMPLETED", data: "{}", ...(ownerId ? { ownerId } : {}) },
      }),
    );
  }
  // Two open sockets of the leaver's (one following a thread), one of Ann's.
  const { connections } = h.db.repositories;
  for (const [userId, connectionId] of [
    [leaver, `${leaver}-socket-1`],
    [leaver, `${leaver}-socket-2`],
    [ann, `${ann}-socket`],
  ] as const) {
    await connections.connect({ userId, connectionId, groups: ["ApprovedUsers"] });
  }
  await connections.subscribe(leaver, `${leaver}-socket-1`, "/deletion/thread");
  await connections.subscribe(ann, `${ann}-socket`, "/deletion/thread");
  for (const name of ["a.json", "b.json", "c.json"]) {
    await s3.client.send(
      new PutObjectCommand({ Bucket: s3.bucket, Key: `${exportPrefixOf(leaver)}${name}`, Body: "{}" }),
    );
  }
  await s3.client.send(
    new PutObjectCommand({ Bucket: s3.bucket, Key: `${exportPrefixOf(ann)}a.json`, Body: "{}" }),
  );
  // Two uploaded photos of the leaver's (the current one and one they replaced), one of Ann's.
  for (const key of [
    `${photoPrefix(leaver)}01J0000000000000000000000A.jpg`,
    `${photoPrefix(leaver)}01J0000000000000000000000B.png`,
    `${photoPrefix(ann)}01J0000000000000000000000C.jpg`,
  ]) {
    await s3.client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: key, Body: "photo" }));
  }
  return {
    leaver,
    ann,
    ben,
    cognitoUsername,
    rateLimitWindow,
    annComments,
    likedByBen,
    leaverComments,
    conversationIds,
    leftConversationId,
    attachmentKeys,
    exportJobId: exportJob.jobId,
  };
}

describe("the account deletion runner", () => {
  it("removes everything of a member, resumes after faults from its checkpoint, and leaves others' data exact", async () => {
    const h = harness();
    const world = await memberWithEverything(h);
    const { leaver, ann, ben } = world;
    await h.tap.skip("Comments", "CommentReactions", "Messages");
    const job = deletionJob(leaver);

    // The worker dies after the second page of reactions was removed, before it saved.
    const first = workerRun(job, { failAtCheckpoint: 4 });
    await expect(createDeletionRunner(dependencies(h.db.repositories))(first)).rejects.toThrow(
      "the worker died",
    );
    expect(job.checkpoint).toMatchObject({ step: "reactions" });
    // DynamoDB fails one call while messages are being erased.
    const faulty = faultyRepositories(h, isUpdateOf(h.db.tables.Messages), 70);
    await expect(createDeletionRunner(dependencies(faulty))(workerRun(job))).rejects.toThrow();
    expect(job.checkpoint).toMatchObject({ step: "conversations" });
    const result = await createDeletionRunner(dependencies(h.db.repositories))(workerRun(job));

    const counts = {
      export: 1,
      reactions: 120,
      comments: 250,
      messages: 152,
      conversations: 3,
      rateLimits: 2,
      notifications: 3,
      feedMentions: 2,
      digestMentions: 1,
      connections: 2,
      storedResponses: 2,
      profile: 1,
      account: 1,
    };
    expect(result).toEqual({ deleted: counts });
    expect(job.progress).toEqual(counts);
    expect(job.checkpoint).toMatchObject({ step: "done" });

    const { comments, reactions, conversations, profiles } = h.db.repositories;
    // Reactions: theirs gone, each of Ann's comments down by exactly one (Ben's likes stay).
    expect((await reactions.listByUser(leaver, { limit: 100 })).items).toEqual([]);
    const ben40 = new Set(world.likedByBen);
    for (const comment of world.annComments) {
      const expected = ben40.has(comment.commentId) ? 1 : 0;
      expect((await comments.get(comment.itemId, comment.commentId, true))?.reactionCount).toBe(expected);
      expect((await comments.locate(comment.commentId))?.reactionCount).toBe(expected);
    }
    // Comments: every one erased, none listed; Ann's untouched.
    for (const comment of world.leaverComments) {
      const stored = await comments.get(comment.itemId, comment.commentId, true);
      expect(stored).toMatchObject({
        commentText: "",
        editHistory: [],
        userName: FORMER_MEMBER,
        userPhotoUrl: null,
      });
      expect(stored?.deletedAt).toBeDefined();
      expect(stored?.erasedAt).toBeDefined();
    }
    expect((await comments.listByUser(leaver, { limit: 100 })).items).toEqual([]);
    expect((await comments.listAllByUser(ann, { limit: 100 })).items.every((c) => !c.deletedAt)).toBe(true);
    // Messages: theirs erased in place, the others' kept; memberships gone, the others' rows without them.
    for (const conversationId of world.conversationIds) {
      const { items } = await conversations.listMessages(conversationId, { limit: 100 });
      const theirs = items.filter((message) => message.senderId === leaver);
      expect(theirs).toHaveLength(50);
      for (const message of theirs) {
        expect(message).toMatchObject({
          deleted: true,
          messageText: "",
          attachments: [],
          senderName: FORMER_MEMBER,
        });
      }
      expect(items.filter((message) => message.senderId === ann).every((m) => !m.deleted)).toBe(true);
      expect(await conversations.getMembership(leaver, conversationId)).toBeNull();
      const annRow = await conversations.getMembership(ann, conversationId);
      expect(annRow?.participantIds).not.toContain(leaver);
    }
    // The group they had left: their messages erased the same way, Ann and Ben's rows kept.
    const left = await conversations.listMessages(world.leftConversationId, { limit: 10 });
    expect(left.items.map((m) => [m.senderId, m.deleted, m.messageText, m.senderName])).toEqual([
      [leaver, true, "", FORMER_MEMBER],
      [leaver, true, "", FORMER_MEMBER],
    ]);
    expect(await conversations.getMembership(ann, world.leftConversationId)).not.toBeNull();
    const [direct, groupEndingWithAnn, group] = world.conversationIds as [string, string, string];
    expect((await conversations.getMembership(ann, direct))?.lastMessagePreview).toBe(
      DELETED_MESSAGE_PREVIEW,
    );
    expect((await conversations.getMembership(ben, group))?.lastMessagePreview).toBe(DELETED_MESSAGE_PREVIEW);
    expect((await conversations.getMembership(ben, groupEndingWithAnn))?.lastMessagePreview).toBe(
      "Ann has the last word",
    );
    // The others can go on writing in every conversation.
    for (const conversationId of world.conversationIds) {
      await conversations.sendMessage({
        conversationId,
        senderId: ann,
        senderName: "Ann",
        messageText: "Still here",
        attachments: [],
      });
    }
    // Rate-limit records, export objects, profile and Cognito user gone; Ann's kept.
    const rateLimitRow = async (userId: string, kind: "comments" | "messages") =>
      (
        await h.db.doc.send(
          new GetCommand({
            TableName: h.db.tables.RateLimits,
            Key: { windowKey: `${userId}#${kind}#${world.rateLimitWindow}` },
            ConsistentRead: true,
          }),
        )
      ).Item;
    expect(await rateLimitRow(leaver, "comments")).toBeUndefined();
    expect(await rateLimitRow(leaver, "messages")).toBeUndefined();
    expect(await rateLimitRow(ann, "comments")).toBeDefined();
    expect(await profiles.get(leaver)).toBeNull();
    expect((await h.db.repositories.notifications.list(leaver, { limit: 10 })).unreadCount).toBe(0);
    expect((await h.db.repositories.notifications.list(ann, { limit: 10 })).unreadCount).toBe(1);
    expect(await profiles.get(ann)).not.toBeNull();
    expect(await cognitoUserExists(world.cognitoUsername)).toBe(false);
    // Ben's feed and held digest event name a former member, without the previews.
    const benFeed = await h.db.repositories.notifications.list(ben, { limit: 10 });
    expect(benFeed.items.map((entry) => [entry.actor.displayName, entry.preview])).toEqual([
      [FORMER_MEMBER, ""],
      [FORMER_MEMBER, ""],
    ]);
    expect(benFeed.unreadCount).toBe(2);
    const held = await h.db.doc.send(
      new QueryCommand({
        TableName: h.db.tables.HeldNotifications,
        KeyConditionExpression: "userId = :ben",
        ExpressionAttributeValues: { ":ben": ben },
      }),
    );
    const heldEvents = (held.Items ?? []).filter((item) => item.actor);
    expect(heldEvents.map((item) => item.actor.displayName)).toEqual([FORMER_MEMBER]);
    // Their export in flight cancelled.
    expect(await h.db.repositories.jobs.get(leaver, world.exportJobId)).toMatchObject({
      status: "FAILED",
      error: { code: "ACCOUNT_DELETED" },
    });
    expect(await h.db.repositories.jobs.activeJob("export", leaver)).toBeNull();
    // Their stored responses gone; Ann's and the processor's kept.
    const storedIds = await Promise.all(
      [`hearth-api#${leaver}-1`, `hearth-api#${ann}-1`, `processor#${leaver}-record`].map(
        async (id) =>
          (await h.db.doc.send(new GetCommand({ TableName: h.db.tables.IdempotencyRecords, Key: { id } })))
            .Item?.id,
      ),
    );
    expect(storedIds).toEqual([undefined, `hearth-api#${ann}-1`, `processor#${leaver}-record`]);
    // Their open sockets closed, their connections and subscriptions gone; Ann's kept.
    expect(closedConnections).toContain(`${leaver}-socket-1`);
    expect(closedConnections.filter((id) => id.startsWith(ann))).toEqual([]);
    expect(await h.db.repositories.connections.connectionsOf(leaver)).toEqual([]);
    expect(
      (await h.db.repositories.connections.subscribersOf("/deletion/thread")).map((s) => s.userId),
    ).toEqual([ann]);
    expect(await h.db.repositories.connections.connectionsOf(ann)).toHaveLength(1);

    // The attachment cleanup processor, fed the Messages stream, removes the erased messages' files.
    expect(await keysUnder(`attachments/${leaver}/`)).toHaveLength(world.attachmentKeys.length);
    const messageRecords = await h.tap.take("Messages");
    const cleaner = h.build("attachments", { attachmentObjects: s3AttachmentObjects(s3.client, s3.bucket) });
    expect(await inBatches(messageRecords, (batch) => cleaner(batchOf(batch), lambdaContext()))).toEqual([]);
    expect(await keysUnder(`attachments/${leaver}/`)).toEqual([]);
    // The same processor, fed the UserProfiles stream, removes the exports and every uploaded
    // photo of the tombstoned member only.
    expect(await keysUnder(exportPrefixOf(leaver))).toHaveLength(3);
    expect(await keysUnder(photoPrefix(leaver))).toHaveLength(2);
    const profileRecords = await h.tap.take("UserProfiles");
    expect(await inBatches(profileRecords, (batch) => cleaner(batchOf(batch), lambdaContext()))).toEqual([]);
    expect(await keysUnder(exportPrefixOf(leaver))).toEqual([]);
    expect(await keysUnder(photoPrefix(leaver))).toEqual([]);
    expect(await keysUnder(exportPrefixOf(ann))).toHaveLength(1);
    expect(await keysUnder(photoPrefix(ann))).toHaveLength(1);
    // The activity aggregator, fed the Comments stream, brings no profile row of theirs back:
    // what stays is the bare tombstone.
    const commentRecords = await h.tap.take("Comments");
    expect(await inBatches(commentRecords, (batch) => h.process("activity", batch))).toEqual([]);
    const row = await h.db.doc.send(
      new GetCommand({ TableName: h.db.tables.UserProfiles, Key: { userId: leaver }, ConsistentRead: true }),
    );
    expect(Object.keys(row.Item ?? {}).sort()).toEqual(["deletedAt", "userId"]);

    // A second run on the completed checkpoint reads and writes nothing.
    let calls = 0;
    const counting = faultyRepositories(
      h,
      () => {
        calls++;
        return false;
      },
      0,
    );
    const again = workerRun(job);
    expect(await createDeletionRunner(dependencies(counting))(again)).toEqual({ deleted: counts });
    expect(calls).toBe(0);
    expect(again.checkpoints).toBe(0);
  }, 240_000);

  it("run again from the start on a member already deleted, finds nothing and changes nothing", async () => {
    const h = harness();
    const [leaver, ann] = [uniqueId("leaver"), uniqueId("ann")];
    await saveProfile(h, ann);
    const comment = await h.db.repositories.comments.create({
      itemId: "/2015/christmas",
      userId: ann,
      userName: "Ann",
      userPhotoUrl: null,
      commentText: "Ann's",
      itemTitle: null,
    });
    const result = await createDeletionRunner(dependencies(h.db.repositories))(
      workerRun(deletionJob(leaver)),
    );
    expect(result).toEqual({
      deleted: {
        export: 0,
        reactions: 0,
        comments: 0,
        messages: 0,
        conversations: 0,
        rateLimits: 0,
        notifications: 0,
        feedMentions: 0,
        digestMentions: 0,
        connections: 0,
        storedResponses: 0,
        profile: 0,
        account: 0,
      },
    });
    expect(await h.db.repositories.comments.get(comment.itemId, comment.commentId, true)).toEqual(comment);
  });

  it("erases a member's replies and reactions of every kind, each thread's and comment's counts staying exact", async () => {
    const h = harness();
    const { comments, reactions } = h.db.repositories;
    const { sub: leaver } = await cognito.createUser(`${uniqueId("replier")}@family.example`);
    const [ann, ben] = [uniqueId("ann"), uniqueId("ben")];
    for (const userId of [ann, ben, leaver]) await saveProfile(h, userId);
    const itemId = `/1962/${uniqueId("letter")}`;
    const comment = (userId: string, commentText: string) => ({
      itemId,
      userId,
      userName: userId,
      userPhotoUrl: null,
      commentText,
      itemTitle: null,
    });
    const top = await comments.create(comment(ann, "Who wrote this?"));
    const reply = async (userId: string, text: string, to: string) =>
      comments.create({ ...comment(userId, text), reply: await comments.resolveReply(itemId, to) });
    const theirs = await reply(ben, "Walter", top.commentId);
    const mine = await reply(leaver, "No, Otto", theirs.commentId);
    const deletedAlready = await reply(leaver, "Oops", top.commentId);
    await comments.softDelete(
      itemId,
      deletedAlready.commentId,
      { userId: leaver, groups: [] },
      { asAdmin: false },
    );
    const answersMine = await reply(ben, "Otto? Really?", mine.commentId);
    // The leaver's own thread, which Ben answered: its top stays as deleted while his reply lives.
    const leaversTop = await comments.create(comment(leaver, "Another question"));
    const bensAnswer = await reply(ben, "An answer", leaversTop.commentId);
    await reactions.toggle(top.commentId, leaver, "love");
    await reactions.toggle(theirs.commentId, leaver, "laugh");
    await reactions.toggle(theirs.commentId, ben, "laugh");
    await reactions.toggle(top.commentId, ben, "love");
    await reactions.toggle(top.commentId, ben, "wow");

    const result = await createDeletionRunner(dependencies(h.db.repositories))(
      workerRun(deletionJob(leaver)),
    );
    expect(result.deleted).toMatchObject({ comments: 3, reactions: 2 });

    const stored = async (c: Comment) => (await comments.get(c.itemId, c.commentId, true))!;
    // Ann's thread counts Ben's two replies; the leaver's live reply went, the deleted one was counted out before.
    expect((await stored(top)).replyCount).toBe(2);
    expect(reactionCountsOf(await stored(top))).toEqual({ like: 0, love: 0, laugh: 0, wow: 1, sad: 0 });
    expect(reactionCountsOf(await stored(theirs))).toEqual({ like: 0, love: 0, laugh: 1, wow: 0, sad: 0 });
    expect(await stored(mine)).toMatchObject({
      commentText: "",
      userName: FORMER_MEMBER,
      erasedAt: expect.any(String),
    });
    const listed = await comments.listByItem(itemId, { limit: 10 });
    expect(listed.items.map((c) => [c.commentId, c.deletedAt !== undefined])).toEqual([
      [top.commentId, false],
      [leaversTop.commentId, true],
    ]);
    const thread = await comments.listReplies(top.commentId, { limit: 10 });
    expect(thread.items.map((c) => c.commentId)).toEqual([theirs.commentId, answersMine.commentId]);
    // Ben's answer to the erased reply still names it; Ben's answer in the erased top's thread stays.
    expect((await stored(answersMine)).replyTo).toBe(mine.commentId);
    expect(
      (await comments.listReplies(leaversTop.commentId, { limit: 10 })).items.map((c) => c.commentId),
    ).toEqual([bensAnswer.commentId]);
  });

  it("deletes the Cognito user by the user id when no username was recorded (pools that name users by sub)", async () => {
    const h = harness();
    const { sub } = await cognito.createUser(`${uniqueId("sub")}@family.example`);
    await saveProfile(h, sub);
    const result = await createDeletionRunner(dependencies(h.db.repositories))(workerRun(deletionJob(sub)));
    expect(result.deleted).toMatchObject({ profile: 1, account: 1 });
    expect(await cognitoUserExists(sub)).toBe(false);
  });
});
