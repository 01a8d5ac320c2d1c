import { DeleteObjectsCommand, NoSuchKey, PutObjectTaggingCommand, S3Client } from "@aws-sdk/client-s3";
import { GetCommand } from "@aws-sdk/lib-dynamodb";
import { UNCONFIRMED_PHOTO_KEY } from "@hearth/domain";
import { mockClient } from "aws-sdk-client-mock";
import { describe, expect, it } from "vitest";
import type { AttachmentObjects } from "../src/attachments/cleanup.js";
import { s3AttachmentObjects } from "../src/attachments/s3-objects.js";
import {
  batchOf,
  conversationWithMessage,
  type Harness,
  lambdaContext,
  membersWithProfiles,
  useHarness,
} from "./helpers.js";

const harness = useHarness("attachments");

/** The files bucket as far as the processor can tell: which keys it was asked to delete or mark sent. */
function recordingObjects(): AttachmentObjects & { deleted: string[]; sent: string[] } {
  const deleted: string[] = [];
  const sent: string[] = [];
  return {
    deleted,
    sent,
    async deleteObjects(keys) {
      deleted.push(...keys);
    },
    async markSent(keys) {
      sent.push(...keys);
      return keys.length;
    },
    async deleteMemberFiles() {
      return 0;
    },
  };
}

function testS3Client(): S3Client {
  return new S3Client({ region: "eu-west-1", credentials: { accessKeyId: "x", secretAccessKey: "y" } });
}

/** A direct conversation of `sender` and `other`, with one message without files. */
async function directConversation(
  h: Harness,
  sender: string,
  other: string,
  senderName: string,
  text: string,
) {
  const { conversationId } = await conversationWithMessage(h, {
    conversationType: "direct",
    participantIds: [sender, other],
    senderId: sender,
    senderName,
    messageText: text,
  });
  return conversationId;
}

const attachmentOf = (userId: string, index: number, name: string) => ({
  s3Key: `attachments/${userId}/01JZZZZZZZZZZZZZZZZZZZZZZ${index}/${name}`,
  filename: name,
  contentType: name.endsWith(".pdf") ? "application/pdf" : "image/jpeg",
  size: 10,
});

/** The stream's Messages records so far, processed twice (a redelivered batch) against recorded objects. */
async function processMessagesTwice(h: Harness) {
  const records = await h.tap.take("Messages");
  const objects = recordingObjects();
  const process = h.build("attachments", { attachmentObjects: objects });
  const response = await process(batchOf(records), lambdaContext());
  await process(batchOf(records), lambdaContext());
  return { response, objects };
}

describe("the attachment processor on new messages", () => {
  it("tags the uploads of a new message sent, once, and leaves messages without files alone", async () => {
    const h = harness();
    const [eve, fay] = await membersWithProfiles(h, "eve", "fay");
    const conversationId = await directConversation(h, eve, fay, "Eve", "no files");
    const attachments = [attachmentOf(eve, 1, "a.jpg"), attachmentOf(eve, 2, "b.jpg")];
    await h.db.repositories.conversations.sendMessage({
      conversationId,
      senderId: eve,
      senderName: "Eve",
      messageText: "photos",
      attachments,
    });

    const { response, objects } = await processMessagesTwice(h);

    expect(response.batchItemFailures).toEqual([]);
    expect(objects.sent).toEqual(attachments.map((attachment) => attachment.s3Key));
    expect(objects.deleted).toEqual([]);
  });

  it("retags each object with PutObjectTagging, skips one never uploaded, and retries on other errors", async () => {
    const client = testS3Client();
    const s3 = mockClient(client);
    const [kept, missing] = ["attachments/u/1/kept.jpg", "attachments/u/2/missing.jpg"];
    s3.on(PutObjectTaggingCommand, { Key: kept }).resolves({});
    s3.on(PutObjectTaggingCommand, { Key: missing }).rejects(
      new NoSuchKey({ message: "The specified key does not exist.", $metadata: { httpStatusCode: 404 } }),
    );
    const objects = s3AttachmentObjects(client, "hearth-test-files");

    expect(await objects.markSent([kept, missing])).toBe(1);
    expect(s3.commandCalls(PutObjectTaggingCommand)[0]?.args[0].input).toEqual({
      Bucket: "hearth-test-files",
      Key: kept,
      Tagging: { TagSet: [{ Key: "hearth-upload", Value: "sent" }] },
    });

    s3.on(PutObjectTaggingCommand, { Key: kept }).rejects(new Error("AccessDenied"));
    await expect(objects.markSent([kept])).rejects.toThrow("AccessDenied");
  });
});

describe("the attachment processor on profile photos", () => {
  it("keeps the upload a profile took (retagged sent, the mark cleared) and leaves other profile changes alone", async () => {
    const h = harness();
    const [gil] = await membersWithProfiles(h, "gil");
    const { profiles } = h.db.repositories;
    const first = `profile-photos/${gil}/01JZZZZZZZZZZZZZZZZZZZZZZ1.jpg`;
    const second = `profile-photos/${gil}/01JZZZZZZZZZZZZZZZZZZZZZZ2.png`;
    await profiles.upsert(gil, { profilePhotoUrl: first }, { uploadedPhotoKey: first });
    await profiles.upsert(gil, { profilePhotoUrl: second }, { uploadedPhotoKey: second });
    await profiles.upsert(gil, { bio: "no photo change" });
    const records = await h.tap.take("UserProfiles");
    const objects = recordingObjects();
    const process = h.build("attachments", { attachmentObjects: objects });
    expect((await process(batchOf(records), lambdaContext())).batchItemFailures).toEqual([]);
    // The first mark was replaced before the batch ran: only the photo the profile holds is kept
    // (the first stays pending and expires); the bio change records still carried the mark.
    expect(new Set(objects.sent)).toEqual(new Set([first, second]));
    const row = await h.db.doc.send(
      new GetCommand({ TableName: h.db.tables.UserProfiles, Key: { userId: gil }, ConsistentRead: true }),
    );
    expect(row.Item?.[UNCONFIRMED_PHOTO_KEY]).toBeUndefined();
    expect(row.Item?.profilePhotoUrl).toBe(second);
  });
});

describe("the attachment cleanup processor", () => {
  it("deletes the stored files of a message its sender deleted, once, and nothing else", async () => {
    const h = harness();
    const [ann, ben] = await membersWithProfiles(h, "ann", "ben");
    const conversationId = await directConversation(h, ann, ben, "Ann", "kept");
    const { conversations } = h.db.repositories;
    const attachments = [attachmentOf(ann, 0, "a.jpg"), attachmentOf(ann, 1, "b.pdf")];
    const doomed = await conversations.sendMessage({
      conversationId,
      senderId: ann,
      senderName: "Ann",
      messageText: "photos",
      attachments,
    });
    await conversations.deleteMessage(ann, conversationId, doomed.messageId, [ann, ben]);
    await conversations.deleteMessage(ann, conversationId, doomed.messageId, [ann, ben]);

    // A redelivered batch deletes nothing more.
    const { response, objects } = await processMessagesTwice(h);

    expect(response.batchItemFailures).toEqual([]);
    expect(objects.deleted).toEqual(attachments.map((attachment) => attachment.s3Key));
    expect(objects.sent).toEqual(attachments.map((attachment) => attachment.s3Key));
  });

  it("reports the record as failed when S3 could not delete, so it is retried", async () => {
    const h = harness();
    const [cid, dee] = await membersWithProfiles(h, "cid", "dee");
    const conversationId = await directConversation(h, cid, dee, "Cid", "x");
    const { conversations } = h.db.repositories;
    const sent = await conversations.sendMessage({
      conversationId,
      senderId: cid,
      senderName: "Cid",
      messageText: "",
      attachments: [
        {
          s3Key: `attachments/${cid}/01JZZZZZZZZZZZZZZZZZZZZZZZ/c.png`,
          filename: "c.png",
          contentType: "image/png",
          size: 1,
        },
      ],
    });
    await conversations.deleteMessage(cid, conversationId, sent.messageId, [cid, dee]);
    const records = await h.tap.take("Messages");
    const client = testS3Client();
    const s3 = mockClient(client);
    s3.on(PutObjectTaggingCommand).resolves({});
    s3.on(DeleteObjectsCommand).resolves({ Errors: [{ Key: "k", Code: "AccessDenied" }] });
    const process = h.build("attachments", {
      attachmentObjects: s3AttachmentObjects(client, "hearth-test-files"),
    });

    const response = await process(batchOf(records), lambdaContext());

    const failed = records.filter((record) => record.eventName === "MODIFY");
    expect(response.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(
      failed.map((record) => record.dynamodb?.SequenceNumber),
    );
    expect(s3.commandCalls(DeleteObjectsCommand)[0]?.args[0].input).toMatchObject({
      Bucket: "hearth-test-files",
      Delete: { Objects: [{ Key: `attachments/${cid}/01JZZZZZZZZZZZZZZZZZZZZZZZ/c.png` }], Quiet: true },
    });
  });
});
