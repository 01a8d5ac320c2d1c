import { DeleteObjectsCommand, S3Client } from "@aws-sdk/client-s3";
import { mockClient } from "aws-sdk-client-mock";
import { describe, expect, it } from "vitest";
import type { AttachmentObjects } from "../src/attachments/cleanup.js";
import { s3AttachmentObjects } from "../src/attachments/s3-objects.js";
import { createProcessor } from "../src/processor.js";
import {
  batchOf,
  conversationWithMessage,
  lambdaContext,
  membersWithProfiles,
  useHarness,
} from "./helpers.js";

const harness = useHarness("attachments");

/** The files bucket as far as the processor can tell: which keys it was asked to delete. */
function recordingObjects(): AttachmentObjects & { deleted: string[] } {
  const deleted: string[] = [];
  return {
    deleted,
    async deleteObjects(keys) {
      deleted.push(...keys);
    },
  };
}

describe("the attachment cleanup processor", () => {
  it("deletes the stored files of a message its sender deleted, once, and nothing else", async () => {
    const h = harness();
    const [ann, ben] = await membersWithProfiles(h, "ann", "ben");
    const { conversationId } = await conversationWithMessage(h, {
      conversationType: "direct",
      participantIds: [ann, ben],
      senderId: ann,
      senderName: "Ann",
      messageText: "kept",
    });
    const { conversations } = h.db.repositories;
    const attachments = ["a.jpg", "b.pdf"].map((name, index) => ({
      s3Key: `attachments/${ann}/01JZZZZZZZZZZZZZZZZZZZZZZ${index}/${name}`,
      filename: name,
      contentType: name.endsWith(".pdf") ? "application/pdf" : "image/jpeg",
      size: 10,
    }));
    const doomed = await conversations.sendMessage({
      conversationId,
      senderId: ann,
      senderName: "Ann",
      messageText: "photos",
      attachments,
    });
    await conversations.deleteMessage(ann, conversationId, doomed.messageId, [ann, ben]);
    await conversations.deleteMessage(ann, conversationId, doomed.messageId, [ann, ben]);
    const records = await h.tap.take("Messages");
    const objects = recordingObjects();
    const process = createProcessor("attachments", { ...h.deps, attachmentObjects: objects });

    const response = await process(batchOf(records), lambdaContext());
    // A redelivered batch deletes nothing more.
    await process(batchOf(records), lambdaContext());

    expect(response.batchItemFailures).toEqual([]);
    expect(objects.deleted).toEqual(attachments.map((attachment) => attachment.s3Key));
  });

  it("reports the record as failed when S3 could not delete, so it is retried", async () => {
    const h = harness();
    const [cid, dee] = await membersWithProfiles(h, "cid", "dee");
    const { conversationId } = await conversationWithMessage(h, {
      conversationType: "direct",
      participantIds: [cid, dee],
      senderId: cid,
      senderName: "Cid",
      messageText: "x",
    });
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
    const client = new S3Client({
      region: "eu-west-1",
      credentials: { accessKeyId: "x", secretAccessKey: "y" },
    });
    const s3 = mockClient(client);
    s3.on(DeleteObjectsCommand).resolves({ Errors: [{ Key: "k", Code: "AccessDenied" }] });
    const process = createProcessor("attachments", {
      ...h.deps,
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
