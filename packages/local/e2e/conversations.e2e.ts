import { GetObjectTaggingCommand, S3Client } from "@aws-sdk/client-s3";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { readOutputs } from "../src/outputs.js";
import { Outside, type User } from "./client.js";

/**
 * Messaging from outside: attachments that open, conversations with names, the unread
 * badge, deleting a message (and its files), leaving and hiding conversations, and
 * profile photos uploaded and served through presigned URLs. Steps build on each other.
 */
const outputs = readOutputs(inject("outputsFile"));
const outside = new Outside(outputs);
let rose: User;
let sam: User;
let tess: User;
let outsider: User;
let groupId: string;
let directId: string;

interface Attachment {
  s3Key: string;
  filename: string;
  contentType: string;
  size: number;
  downloadUrl: string;
  downloadUrlExpiresAt: string;
}
interface Message {
  messageId: string;
  messageText: string | null;
  attachments: Attachment[];
  deleted: boolean;
}
interface Conversation {
  conversationId: string;
  participantIds: string[];
  participants: Array<{ userId: string; displayName: string; profilePhotoUrl: string | null }>;
  title: string | null;
  lastMessagePreview: string;
}

/** Uploads `content` through a presigned PUT from `POST /messages/upload`. */
async function uploadAttachment(as: User, filename: string, contentType: string, content: Buffer) {
  const upload = await outside.call<{
    uploadUrl: string;
    uploadHeaders: Record<string, string>;
    s3Key: string;
  }>("POST", "/messages/upload", { as, body: { filename, contentType, size: content.length } });
  expect(upload.status).toBe(200);
  // The tagging header is signed, so S3 refuses an upload without it (s3rver does not check
  // that signed headers are present: the API tests check the signature covers it).
  const put = await fetch(upload.body.uploadUrl, {
    method: "PUT",
    headers: upload.body.uploadHeaders,
    body: content,
  });
  expect(put.status).toBe(200);
  return { s3Key: upload.body.s3Key, filename, contentType, size: content.length };
}

/** The local S3's tags of an attachment object, as the bucket's lifecycle rule sees them. */
async function uploadStateOf(s3Key: string): Promise<string | undefined> {
  const s3 = new S3Client({
    endpoint: outputs.S3Endpoint,
    region: outputs.Region,
    forcePathStyle: true,
    credentials: { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" },
  });
  const { TagSet } = await s3.send(
    new GetObjectTaggingCommand({ Bucket: outputs.AttachmentsBucket, Key: s3Key }),
  );
  return TagSet?.find((tag) => tag.Key === "hearth-upload")?.Value;
}

const conversationsOf = async (as: User) =>
  (await outside.call<{ conversations: Conversation[] }>("GET", "/messages/conversations?limit=100", { as }))
    .body.conversations;

beforeAll(async () => {
  [rose, sam, tess, outsider] = await Promise.all([
    outside.signUp("Rose", ["ApprovedUsers"]),
    outside.signUp("Sam", ["ApprovedUsers"]),
    outside.signUp("Tess", ["ApprovedUsers"]),
    outside.signUp("Uma", ["ApprovedUsers"]),
  ]);
  for (const user of [rose, sam, tess, outsider]) {
    const saved = await outside.call("PUT", "/profile", { as: user, body: { displayName: user.name } });
    expect(saved.status).toBe(200);
  }
});

describe("conversations a frontend can render", () => {
  it("names the participants and the group's title", async () => {
    const started = await outside.call<Conversation & { message: Message }>(
      "POST",
      "/messages/conversations",
      {
        as: rose,
        body: { participantIds: [sam.userId, tess.userId], messageText: "Reunion?", title: "Cousins" },
      },
    );
    expect(started.status).toBe(201);
    groupId = started.body.conversationId;
    expect(started.body.title).toBe("Cousins");
    expect(started.body.participants.map((p) => p.displayName).sort()).toEqual(["Rose", "Sam", "Tess"]);
    const listed = (await conversationsOf(sam)).find((c) => c.conversationId === groupId);
    expect(listed?.participants.map((p) => p.displayName).sort()).toEqual(["Rose", "Sam", "Tess"]);
  });

  it("opens an attachment through its downloadUrl: the same bytes, its type, saved under its name", async () => {
    const content = Buffer.from(`Family tree ${outside.runId}: Rose → Sam → Tess ✓\n`);
    const filename = 'Stammbaum Müller; "final".txt';
    const attachment = await uploadAttachment(rose, filename, "text/plain", content);
    // S3 stores the signed x-amz-tagging (pending) with the upload; s3rver ignores that header
    // (it has tagging only as PutObjectTagging), so here the upload starts untagged.
    expect(await uploadStateOf(attachment.s3Key)).not.toBe("sent");
    const sent = await outside.call<Message>("POST", `/messages/conversations/${groupId}`, {
      as: rose,
      body: { messageText: "The tree", attachments: [attachment] },
    });
    expect(sent.status).toBe(201);
    await outside.eventually(
      "the sent attachment to be tagged sent",
      async () => (await uploadStateOf(attachment.s3Key)) === "sent",
    );
    const listed = await outside.call<{ messages: Message[] }>(
      "GET",
      `/messages/conversations/${groupId}?limit=1`,
      {
        as: tess,
      },
    );
    const served = listed.body.messages[0]!.attachments[0]!;
    expect(Date.parse(served.downloadUrlExpiresAt)).toBeGreaterThan(Date.now() + 14 * 60_000);
    const download = await fetch(served.downloadUrl);
    expect(download.status).toBe(200);
    expect(Buffer.from(await download.arrayBuffer())).toEqual(content);
    expect(download.headers.get("content-type")).toMatch(/^text\/plain/);
    const disposition = download.headers.get("content-disposition") ?? "";
    expect(disposition).toMatch(/^attachment; /);
    expect(decodeURIComponent(/filename\*=UTF-8''(.+)$/.exec(disposition)?.[1] ?? "")).toBe(filename);
  });

  it("keeps outsiders out of the conversation and its management", async () => {
    const path = `/messages/conversations/${groupId}`;
    expect((await outside.call("GET", path, { as: outsider })).status).toBe(403);
    expect((await outside.call("POST", `${path}/leave`, { as: outsider })).status).toBe(403);
    const listed = await outside.call<{ messages: Message[] }>("GET", `${path}?limit=1`, { as: rose });
    const messageId = listed.body.messages[0]!.messageId;
    expect((await outside.call("DELETE", `${path}/${messageId}`, { as: outsider })).status).toBe(403);
    expect((await outside.call("DELETE", `${path}/${messageId}`, { as: sam })).status).toBe(403);
    expect((await outside.call("GET", "/messages/unread")).status).toBe(401);
  });

  it("counts unread conversations and messages for the badge", async () => {
    const direct = await outside.call<Conversation>("POST", "/messages/conversations", {
      as: rose,
      body: { participantIds: [tess.userId], messageText: "Just you and me" },
    });
    directId = direct.body.conversationId;
    const badge = await outside.call("GET", "/messages/unread", { as: tess });
    expect({ status: badge.status, body: badge.body }).toEqual({
      status: 200,
      body: { unreadConversations: 2, unreadMessages: 3 },
    });
    await outside.call("PUT", `/messages/conversations/${groupId}/read`, { as: tess });
    expect((await outside.call("GET", "/messages/unread", { as: tess })).body).toEqual({
      unreadConversations: 1,
      unreadMessages: 1,
    });
  });

  it("deletes the sender's message: its text leaves the list and the preview, its file leaves S3", async () => {
    const path = `/messages/conversations/${groupId}`;
    const latest = (await outside.call<{ messages: Message[] }>("GET", `${path}?limit=1`, { as: rose })).body
      .messages[0]!;
    const downloadUrl = latest.attachments[0]!.downloadUrl;
    const deleted = await outside.call<Message>("DELETE", `${path}/${latest.messageId}`, { as: rose });
    expect(deleted.status).toBe(200);
    expect(deleted.body).toMatchObject({ messageText: null, attachments: [], deleted: true });
    const seen = (await outside.call<{ messages: Message[] }>("GET", `${path}?limit=1`, { as: sam })).body
      .messages[0];
    expect(seen).toMatchObject({ messageId: latest.messageId, messageText: null, deleted: true });
    const preview = (await conversationsOf(sam)).find(
      (c) => c.conversationId === groupId,
    )?.lastMessagePreview;
    expect(preview).toBe("Message deleted");
    // The attachments processor removes the file from the stream's old image.
    await outside.eventually(
      "the deleted message's file to go",
      async () => (await fetch(downloadUrl)).status === 404,
    );
  });

  it("lets a member leave a group, and hides a direct conversation until the next message", async () => {
    const left = await outside.call("POST", `/messages/conversations/${groupId}/leave`, { as: tess });
    expect(left.status).toBe(200);
    expect((await conversationsOf(tess)).some((c) => c.conversationId === groupId)).toBe(false);
    expect((await outside.call("GET", `/messages/conversations/${groupId}`, { as: tess })).status).toBe(403);
    const others = (await conversationsOf(sam)).find((c) => c.conversationId === groupId);
    expect(others?.participantIds.sort()).toEqual([rose.userId, sam.userId].sort());

    const hidden = await outside.call("POST", `/messages/conversations/${directId}/leave`, { as: tess });
    expect(hidden.status).toBe(200);
    expect((await conversationsOf(tess)).some((c) => c.conversationId === directId)).toBe(false);
    expect((await outside.call("GET", "/messages/unread", { as: tess })).body).toEqual({
      unreadConversations: 0,
      unreadMessages: 0,
    });
    await outside.call("POST", `/messages/conversations/${directId}`, {
      as: rose,
      body: { messageText: "Still there?" },
    });
    const back = (await conversationsOf(tess)).find((c) => c.conversationId === directId);
    expect(back?.lastMessagePreview).toBe("Still there?");
  });
});

describe("profile photos", () => {
  it("uploads a photo through a presigned PUT and serves it wherever the member appears", async () => {
    // A tiny PNG (1×1, transparent).
    const png = Buffer.from(
      "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=",
      "base64",
    );
    const issued = await outside.call<{
      uploadUrl: string;
      uploadHeaders: Record<string, string>;
      photoKey: string;
      expiresIn: number;
    }>("POST", "/profile/photo", { as: sam, body: { contentType: "image/png", size: png.length } });
    expect(issued.status).toBe(200);
    expect(issued.body.expiresIn).toBe(900);
    const put = await fetch(issued.body.uploadUrl, {
      method: "PUT",
      headers: issued.body.uploadHeaders,
      body: png,
    });
    expect(put.status).toBe(200);
    // Someone else cannot take that key as their photo.
    const stolen = await outside.call("PUT", "/profile", {
      as: rose,
      body: { profilePhotoKey: issued.body.photoKey },
    });
    expect(stolen.status).toBe(400);
    const saved = await outside.call("PUT", "/profile", {
      as: sam,
      body: { profilePhotoKey: issued.body.photoKey },
    });
    expect(saved.status).toBe(200);

    const profile = await outside.call<{ profilePhotoUrl: string }>("GET", `/profile/${sam.userId}`, {
      as: rose,
    });
    const participant = (await conversationsOf(rose))
      .find((c) => c.conversationId === groupId)
      ?.participants.find((p) => p.userId === sam.userId);
    for (const url of [profile.body.profilePhotoUrl, participant?.profilePhotoUrl ?? ""]) {
      const photo = await fetch(url);
      expect(photo.status).toBe(200);
      expect(Buffer.from(await photo.arrayBuffer())).toEqual(png);
    }
  });
});
