import type { Readable } from "node:stream";
import { exportObjectKey, type Job, REACTION_KINDS } from "@hearth/domain";
import type { DynamoDBRecord } from "aws-lambda";
import { describe, expect, it } from "vitest";
import { type ExportObjects, s3ExportObjects } from "../src/exports/s3-export.js";
import {
  batchOf,
  commentBy,
  lambdaContext,
  leaveTheFamily,
  saveProfile,
  uniqueId,
  useHarness,
} from "./helpers.js";
import { useLocalS3 } from "./local-s3.js";

const harness = useHarness("exports");
const s3 = useLocalS3();

/** Runs `count` writes at most 16 at a time (DynamoDB Local is a single process). */
async function inParallel(count: number, write: (index: number) => Promise<unknown>): Promise<void> {
  for (let start = 0; start < count; start += 16) {
    await Promise.all(
      Array.from({ length: Math.min(16, count - start) }, (_, offset) => write(start + offset)),
    );
  }
}

interface ExportDocument {
  schemaVersion: number;
  exportedAt: string;
  userId: string;
  profile: { userId: string; email: string; notificationPreferences: Record<string, boolean> };
  comments: {
    commentId: string;
    commentText: string;
    isEdited: boolean;
    editHistory: { text: string }[];
    deleted: boolean;
    replyTo: string | null;
    threadId: string | null;
  }[];
  reactions: { commentId: string; commentAuthorId: string; kind: string }[];
  conversations: {
    conversationId: string;
    participantIds: string[];
    messages: {
      messageId: string;
      senderId: string;
      messageText: string;
      attachments: { filename: string }[];
    }[];
  }[];
  jobs: { jobId: string; kind: string }[];
  counts: Record<string, number>;
}

/**
 * A member with more than one Query page of everything: 250 comments (two edited, one
 * deleted), 120 reactions on someone else's comments, and 3 conversations of 150 messages
 * each (everyone's), every tenth with an attachment.
 */
async function memberWithLotsOfData() {
  const h = harness();
  const member = uniqueId("exporter");
  const [other, third] = [uniqueId("other"), uniqueId("third")];
  for (const userId of [member, other, third]) await saveProfile(h, userId);
  const { comments, reactions, conversations } = h.db.repositories;

  const written: string[] = [];
  // Five of them are replies in a thread someone else started.
  const otherTop = await comments.create(commentBy(other, "album/4", "Their question"));
  const thread = await comments.resolveReply("album/4", otherTop.commentId);
  await inParallel(250, async (index) => {
    const comment = await comments.create({
      ...commentBy(member, `album/${index % 5}`, `My comment number ${index}`),
      ...(index % 50 === 49 ? { reply: thread } : {}),
    });
    written[index] = comment.commentId;
  });
  const caller = { userId: member, groups: ["ApprovedUsers"] };
  const edited = written[7] as string;
  await comments.edit("album/2", edited, caller, "Second thoughts");
  const deleted = written[11] as string;
  await comments.softDelete("album/1", deleted, caller, { asAdmin: false });

  await inParallel(120, async (index) => {
    const theirs = await comments.create(commentBy(other, "album/theirs", `Their comment ${index}`));
    await reactions.toggle(theirs.commentId, member, REACTION_KINDS[index % REACTION_KINDS.length]);
  });

  const conversationIds: string[] = [];
  for (const [index, participantIds] of [
    [member, other],
    [member, other, third],
    [member, third],
  ].entries()) {
    const conversationId = uniqueId(`conversation-${index}`);
    conversationIds.push(conversationId);
    await conversations.create({
      conversationId,
      conversationType: participantIds.length === 2 ? "direct" : "group",
      participantIds,
      title: participantIds.length === 2 ? null : "The cousins",
    });
    await inParallel(150, (n) => {
      const senderId = participantIds[n % participantIds.length] as string;
      return conversations.sendMessage({
        conversationId,
        senderId,
        senderName: senderId,
        messageText: `Message ${n} in ${conversationId}`,
        attachments:
          n % 10 === 0
            ? [
                {
                  s3Key: `attachments/${senderId}/${n}/photo.jpg`,
                  filename: `photo-${n}.jpg`,
                  contentType: "image/jpeg",
                  size: 1234,
                },
              ]
            : [],
      });
    });
  }
  return { member, other, edited, deleted, conversationIds, threadId: otherTop.commentId };
}

function exportProcessor(exportObjects: ExportObjects = s3ExportObjects(s3().client, s3().bucket)) {
  return harness().build("exports", { exportObjects });
}

/** The INSERT record of the job just created (the Jobs stream also carries the marker). */
async function insertOf(job: Job): Promise<DynamoDBRecord[]> {
  const records = await harness().tap.take("Jobs");
  const inserts = records.filter(
    (r) => r.eventName === "INSERT" && r.dynamodb?.NewImage?.jobId?.S === job.jobId,
  );
  expect(inserts).toHaveLength(1);
  return inserts;
}

describe("the export worker", () => {
  it("exports everything of a member with more than a page of each kind, completely", async () => {
    const h = harness();
    const data = await memberWithLotsOfData();
    const { job } = await h.db.repositories.jobs.createOrGetActive("export", data.member, data.member);
    await h.tap.skip("Comments", "CommentReactions", "Messages");

    const response = await exportProcessor()(batchOf(await insertOf(job)), lambdaContext("stream-exports"));
    expect(response.batchItemFailures).toEqual([]);

    const done = await h.db.repositories.jobs.get(data.member, job.jobId);
    const objectKey = exportObjectKey(data.member, job.jobId);
    expect(done).toMatchObject({
      status: "COMPLETED",
      progress: { comments: 250, reactions: 120, conversations: 3, messages: 450, jobs: 1 },
      result: {
        objectKey,
        counts: { comments: 250, reactions: 120, conversations: 3, messages: 450, jobs: 1 },
      },
    });
    expect(objectKey).toBe(`exports/${data.member}/${job.jobId}/hearth-export.json`);

    const text = await s3().read(objectKey);
    const document = JSON.parse(text as string) as ExportDocument;
    expect(document).toMatchObject({ schemaVersion: 1, userId: data.member });
    expect(Date.parse(document.exportedAt)).not.toBeNaN();
    expect(document.profile).toMatchObject({
      userId: data.member,
      email: `${data.member}@family.example`,
      notificationPreferences: { comments: true, reactions: true, messages: true },
    });

    expect(document.comments).toHaveLength(250);
    expect(new Set(document.comments.map((c) => c.commentId)).size).toBe(250);
    const texts = new Set(document.comments.map((c) => c.commentText));
    for (const n of [0, 99, 100, 249]) expect(texts.has(`My comment number ${n}`)).toBe(true);
    const edited = document.comments.find((c) => c.commentId === data.edited);
    expect(edited).toMatchObject({ commentText: "Second thoughts", isEdited: true, deleted: false });
    expect(edited?.editHistory.map((e) => e.text)).toEqual(["My comment number 7"]);
    expect(document.comments.find((c) => c.commentId === data.deleted)).toMatchObject({ deleted: true });
    expect(document.comments.filter((c) => c.deleted)).toHaveLength(1);
    // Replies name what they answer and their thread; top comments have neither.
    const replies = document.comments.filter((c) => c.replyTo !== null);
    expect(replies.map((c) => [c.replyTo, c.threadId])).toEqual(
      Array.from({ length: 5 }, () => [data.threadId, data.threadId]),
    );
    expect(document.comments.filter((c) => c.threadId === null)).toHaveLength(245);

    expect(document.reactions).toHaveLength(120);
    expect(new Set(document.reactions.map((r) => r.commentId)).size).toBe(120);
    for (const reaction of document.reactions) expect(reaction.commentAuthorId).toBe(data.other);
    for (const kind of REACTION_KINDS) {
      expect(document.reactions.filter((r) => r.kind === kind)).toHaveLength(120 / REACTION_KINDS.length);
    }

    expect(document.conversations.map((c) => c.conversationId).sort()).toEqual(
      [...data.conversationIds].sort(),
    );
    for (const conversation of document.conversations) {
      expect(conversation.messages).toHaveLength(150);
      expect(new Set(conversation.messages.map((m) => m.messageId)).size).toBe(150);
      // Everyone's messages, not only the member's.
      expect(new Set(conversation.messages.map((m) => m.senderId))).toEqual(
        new Set(conversation.participantIds),
      );
      expect(conversation.messages.filter((m) => m.attachments.length === 1)).toHaveLength(15);
      expect(
        conversation.messages.find((m) => m.messageText === `Message 149 in ${conversation.conversationId}`),
      ).toBeDefined();
    }
    expect(document.jobs.map((j) => j.jobId)).toEqual([job.jobId]);
    expect(document.counts).toEqual({
      comments: 250,
      reactions: 120,
      conversations: 3,
      messages: 450,
      jobs: 1,
    });
  }, 120_000);

  it("returns the running export to a second request instead of starting another", async () => {
    const h = harness();
    const member = uniqueId("twice");
    await saveProfile(h, member);
    const { jobs } = h.db.repositories;
    const first = await jobs.createOrGetActive("export", member, member);
    await jobs.start(first.job);
    const second = await jobs.createOrGetActive("export", member, member);
    expect(second).toMatchObject({ created: false, job: { jobId: first.job.jobId, status: "IN_PROGRESS" } });
    await h.tap.skip("Jobs");
  });

  it("leaves the job in progress when writing fails, and a redelivery resumes it to completion", async () => {
    const h = harness();
    const member = uniqueId("resumer");
    await saveProfile(h, member);
    await h.db.repositories.comments.create(commentBy(member, "album/r", "Remember me"));
    const { job } = await h.db.repositories.jobs.createOrGetActive("export", member, member);
    const records = await insertOf(job);

    const real = s3ExportObjects(s3().client, s3().bucket);
    let failures = 1;
    const flaky: ExportObjects = {
      async putStream(key, body: Readable, contentType) {
        if (failures-- > 0) {
          body.destroy();
          throw new Error("S3 is unreachable");
        }
        await real.putStream(key, body, contentType);
      },
    };
    const processor = exportProcessor(flaky);
    const failed = await processor(batchOf(records), lambdaContext("stream-exports"));
    expect(failed.batchItemFailures).toHaveLength(1);
    expect(await h.db.repositories.jobs.get(member, job.jobId)).toMatchObject({ status: "IN_PROGRESS" });

    const retried = await processor(batchOf(records), lambdaContext("stream-exports"));
    expect(retried.batchItemFailures).toEqual([]);
    expect(await h.db.repositories.jobs.get(member, job.jobId)).toMatchObject({
      status: "COMPLETED",
      progress: { comments: 1 },
    });
    const document = JSON.parse(
      (await s3().read(exportObjectKey(member, job.jobId))) as string,
    ) as ExportDocument;
    expect(document.comments.map((c) => c.commentText)).toEqual(["Remember me"]);
  });

  it("resumes a job a worker left in progress (it died), and does nothing for a finished one", async () => {
    const h = harness();
    const member = uniqueId("orphan");
    await saveProfile(h, member);
    const { jobs } = h.db.repositories;
    const { job } = await jobs.createOrGetActive("export", member, member);
    const records = await insertOf(job);
    await jobs.start(job);
    await jobs.checkpoint(job, { comments: 0 }, { section: "comments" });

    const processor = exportProcessor();
    expect((await processor(batchOf(records), lambdaContext())).batchItemFailures).toEqual([]);
    const done = await jobs.get(member, job.jobId);
    expect(done).toMatchObject({ status: "COMPLETED" });
    expect(done?.checkpoint).toBeUndefined();

    // The same INSERT again, as a new delivery (another eventID): the finished job is left as it is.
    const again = records.map((r) => ({ ...r, eventID: `${r.eventID}-again` }));
    expect((await processor(batchOf(again), lambdaContext())).batchItemFailures).toEqual([]);
    expect(await jobs.get(member, job.jobId)).toEqual(done);
  });

  it("exports nothing of a deleted member: the job fails, nothing is written", async () => {
    const h = harness();
    const member = uniqueId("gone");
    await saveProfile(h, member);
    await h.db.repositories.profiles.tombstone(member);
    const { job } = await h.db.repositories.jobs.createOrGetActive("export", member, member);
    const records = await insertOf(job);
    let writes = 0;
    const counting: ExportObjects = {
      async putStream() {
        writes++;
      },
    };
    expect((await exportProcessor(counting)(batchOf(records), lambdaContext())).batchItemFailures).toEqual(
      [],
    );
    expect(await h.db.repositories.jobs.get(member, job.jobId)).toMatchObject({
      status: "FAILED",
      error: { code: "ACCOUNT_DELETED" },
    });
    expect(writes).toBe(0);
  });

  it("ignores the active-job marker items on the Jobs stream", async () => {
    const h = harness();
    const member = uniqueId("marker");
    await h.db.repositories.jobs.createOrGetActive("export", member, member);
    const records = await h.tap.take("Jobs");
    const marker = records.filter((r) => r.dynamodb?.NewImage?.jobId?.S === "active#export");
    expect(marker).toHaveLength(1);
    let writes = 0;
    const counting: ExportObjects = {
      async putStream() {
        writes++;
      },
    };
    expect((await exportProcessor(counting)(batchOf(marker), lambdaContext())).batchItemFailures).toEqual([]);
    expect(writes).toBe(0);
  });

  it("emails the member a link when their export is ready, once", async () => {
    const h = harness();
    const member = uniqueId("ready");
    await saveProfile(h, member, { preferences: { comments: false, reactions: false, messages: false } });
    const { job } = await h.db.repositories.jobs.createOrGetActive("export", member, member);
    expect(
      (await exportProcessor()(batchOf(await insertOf(job)), lambdaContext())).batchItemFailures,
    ).toEqual([]);

    const records = await h.tap.take("Jobs");
    const response = await h.process("notifications", records);
    expect(response.batchItemFailures).toEqual([]);
    const sent = h.sentEmails();
    expect(sent).toHaveLength(1);
    expect(sent[0]?.Destination?.ToAddresses).toEqual([`${member}@family.example`]);
    expect(sent[0]?.Content?.Simple?.Subject?.Data).toBe("Your Hearth data export is ready");
    expect(sent[0]?.Content?.Simple?.Body?.Text?.Data).toContain(
      `https://hearth.example/profile/exports/${encodeURIComponent(job.jobId)}`,
    );
    // A redelivered batch sends nothing more.
    expect((await h.process("notifications", records)).batchItemFailures).toEqual([]);
    expect(h.sentEmails()).toHaveLength(1);
  });

  it("sends no link to someone who is no longer a member when their export is ready", async () => {
    const h = harness();
    const member = uniqueId("gone");
    await saveProfile(h, member);
    const { job } = await h.db.repositories.jobs.createOrGetActive("export", member, member);
    expect(
      (await exportProcessor()(batchOf(await insertOf(job)), lambdaContext())).batchItemFailures,
    ).toEqual([]);
    await leaveTheFamily(h, member);

    const response = await h.process("notifications", await h.tap.take("Jobs"));
    expect(response.batchItemFailures).toEqual([]);
    expect(h.sentEmails()).toEqual([]);
  });
});
