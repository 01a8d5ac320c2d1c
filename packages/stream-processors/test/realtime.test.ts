import {
  ApiGatewayManagementApiClient,
  DeleteConnectionCommand,
  GoneException,
  PostToConnectionCommand,
} from "@aws-sdk/client-apigatewaymanagementapi";
import { CONNECT_HANDSHAKE_SECONDS, MEMBER_GROUP } from "@hearth/domain";
import { pushViewsFromEnv } from "@hearth/views/push-views";
import type { DynamoDBRecord } from "aws-lambda";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { managementApiConnections } from "../src/realtime/connections-api.js";
import {
  batchOf,
  type Harness,
  lambdaContext,
  membersWithProfiles,
  saveProfile,
  uniqueId,
  useHarness,
} from "./helpers.js";

const harness = useHarness("realtime");

// Nothing listens there: every post is answered by the mock below, never the network.
const managementClient = new ApiGatewayManagementApiClient({
  endpoint: "http://127.0.0.1:9/test",
  region: "local",
  credentials: { accessKeyId: "local", secretAccessKey: "local" },
});
const management = mockClient(managementClient);
const views = pushViewsFromEnv({
  STAGE: "test",
  ATTACHMENTS_BUCKET: "hearth-test-files",
  S3_ENDPOINT: "http://127.0.0.1:9",
  AWS_REGION: "local",
});

beforeEach(() => {
  management.reset();
  management.on(PostToConnectionCommand).resolves({});
});

/** A fresh container's fanout, run on one batch. */
function fanout(h: Harness, records: DynamoDBRecord[]) {
  return h.build("realtime", { views, connectionsApi: managementApiConnections(managementClient) })(
    batchOf(records),
    lambdaContext("stream-realtime"),
  );
}

/** What each connection was sent, parsed, by connection id. */
function pushesByConnection(): Map<string, Record<string, unknown>[]> {
  const pushes = new Map<string, Record<string, unknown>[]>();
  for (const call of management.commandCalls(PostToConnectionCommand)) {
    const { ConnectionId, Data } = call.args[0].input;
    const push = JSON.parse(new TextDecoder().decode(Data as Uint8Array));
    pushes.set(ConnectionId!, [...(pushes.get(ConnectionId!) ?? []), push]);
  }
  return pushes;
}

async function connect(h: Harness, userId: string, groups: string[] = [MEMBER_GROUP]) {
  const connectionId = uniqueId(`conn-${userId}`);
  await h.db.repositories.connections.connect({ userId, connectionId, groups });
  return connectionId;
}

async function directMessage(h: Harness, from: string, to: string, text: string) {
  const conversationId = uniqueId("direct");
  const { conversations } = h.db.repositories;
  await conversations.create({
    conversationId,
    conversationType: "direct",
    participantIds: [from, to],
    title: null,
  });
  await h.tap.skip("Messages");
  const message = await conversations.sendMessage({
    conversationId,
    senderId: from,
    senderName: from,
    messageText: text,
    attachments: [
      {
        s3Key: `attachments/${from}/01J/photo.jpg`,
        filename: "photo.jpg",
        contentType: "image/jpeg",
        size: 10,
      },
    ],
  });
  return { conversationId, message, record: await h.tap.takeOne("Messages") };
}

describe("the realtime fanout: messages", () => {
  it("pushes the message to the other participant's connections and each participant's own conversation state", async () => {
    const h = harness();
    const [alice, bob] = await membersWithProfiles(h, "alice", "bob");
    const aliceTab = await connect(h, alice);
    const bobPhone = await connect(h, bob);
    const bobLaptop = await connect(h, bob);
    const { conversationId, message, record } = await directMessage(h, alice, bob, "Dinner at six?");

    const response = await fanout(h, [record]);

    expect(response.batchItemFailures).toEqual([]);
    const pushes = pushesByConnection();
    for (const connectionId of [bobPhone, bobLaptop]) {
      const [created, updated] = pushes.get(connectionId) ?? [];
      expect(created).toMatchObject({
        type: "message.created",
        conversationId,
        message: { messageId: message.messageId, messageText: "Dinner at six?", senderId: alice },
      });
      const attachment = (created?.message as { attachments: { downloadUrl: string }[] } | undefined)
        ?.attachments[0];
      expect(attachment?.downloadUrl ?? "").toContain("photo.jpg");
      expect(attachment?.downloadUrl ?? "").toContain("X-Amz-Signature=");
      expect(updated).toEqual({
        type: "conversation.updated",
        conversationId,
        unreadCount: 1,
        lastMessageAt: message.createdAt,
        lastMessagePreview: "Dinner at six?",
      });
    }
    // The sender is told their conversation moved, not sent their own message back.
    expect(pushes.get(aliceTab)).toEqual([
      {
        type: "conversation.updated",
        conversationId,
        unreadCount: 0,
        lastMessageAt: message.createdAt,
        lastMessagePreview: "Dinner at six?",
      },
    ]);
  });

  it("removes a connection found gone, and one failing connection never keeps the others from their pushes", async () => {
    const h = harness();
    const [alice, bob] = await membersWithProfiles(h, "alice", "bob");
    const gone = await connect(h, bob);
    const failing = await connect(h, bob);
    const fine = await connect(h, bob);
    await h.db.repositories.connections.subscribe(bob, gone, "/gone/item");
    management
      .on(PostToConnectionCommand, { ConnectionId: gone })
      .rejects(new GoneException({ message: "Gone", $metadata: { httpStatusCode: 410 } }));
    management.on(PostToConnectionCommand, { ConnectionId: failing }).rejects(new Error("socket hang up"));
    const { record } = await directMessage(h, alice, bob, "Still there?");
    // Long past its handshake: a 410 now means it closed. (The clock is the file's: put back after.)
    const pastHandshakeMs = (CONNECT_HANDSHAKE_SECONDS + 1) * 1000;
    h.advanceClock(pastHandshakeMs);
    const response = await fanout(h, [record]).finally(() => h.advanceClock(-pastHandshakeMs));

    // Best effort: the record is done (a retry would push again to those that got it).
    expect(response.batchItemFailures).toEqual([]);
    expect(
      pushesByConnection()
        .get(fine)
        ?.map((push) => push.type),
    ).toEqual(["message.created", "conversation.updated"]);
    const { connections } = h.db.repositories;
    expect(await connections.get(bob, gone)).toBeNull();
    expect(await connections.subscribersOf("/gone/item")).toEqual([]);
    expect(await connections.get(bob, failing)).not.toBeNull();
    expect((await connections.connectionsOf(bob)).map((c) => c.connectionId).sort()).toEqual(
      [failing, fine].sort(),
    );
  });

  it("keeps a connection found gone within its handshake, so the socket it becomes can still subscribe", async () => {
    const h = harness();
    const [alice, bob] = await membersWithProfiles(h, "alice", "bob");
    // Its $connect wrote the record a moment ago; the gateway refuses posts until the handshake ends.
    const opening = await connect(h, bob);
    management
      .on(PostToConnectionCommand, { ConnectionId: opening })
      .rejects(new GoneException({ message: "Gone", $metadata: { httpStatusCode: 410 } }));
    const { record } = await directMessage(h, alice, bob, "Just as you connect");

    expect((await fanout(h, [record])).batchItemFailures).toEqual([]);

    const { connections } = h.db.repositories;
    expect(await connections.get(bob, opening)).not.toBeNull();
    expect(await connections.subscribe(bob, opening, "/item/after-handshake")).toEqual([
      "/item/after-handshake",
    ]);
  });

  it("closes the open sockets of someone whose membership ended, and removes their connections", async () => {
    const h = harness();
    const [carol, dan] = await membersWithProfiles(h, "carol", "dan");
    const first = await connect(h, carol);
    const second = await connect(h, carol);
    const others = await connect(h, dan);
    await h.db.repositories.connections.subscribe(carol, first, "/revoked/item");
    management.on(DeleteConnectionCommand).resolves({});

    await h.db.repositories.revocations.recordRevocation(carol, "revoked");
    const response = await fanout(h, [await h.tap.takeOne("Revocations")]);

    expect(response.batchItemFailures).toEqual([]);
    const closed = management
      .commandCalls(DeleteConnectionCommand)
      .map((call) => call.args[0].input.ConnectionId);
    expect(closed.sort()).toEqual([first, second].sort());
    const { connections } = h.db.repositories;
    expect(await connections.connectionsOf(carol)).toEqual([]);
    expect(await connections.subscribersOf("/revoked/item")).toEqual([]);
    expect(await connections.get(dan, others)).not.toBeNull();
  });

  it("pushes a redelivered record to nobody a second time", async () => {
    const h = harness();
    const [alice, bob] = await membersWithProfiles(h, "alice", "bob");
    const bobTab = await connect(h, bob);
    const { record } = await directMessage(h, alice, bob, "Once only");

    await fanout(h, [record]);
    const afterFirst = management.commandCalls(PostToConnectionCommand).length;
    const redelivered = await fanout(h, [record]);

    expect(redelivered.batchItemFailures).toEqual([]);
    expect(afterFirst).toBe(2);
    expect(management.commandCalls(PostToConnectionCommand)).toHaveLength(afterFirst);
    expect(pushesByConnection().get(bobTab)).toHaveLength(2);
  });

  it("fails the record (to be retried) when a read fails, before anything was pushed", async () => {
    const h = harness();
    const [alice, bob] = await membersWithProfiles(h, "alice", "bob");
    await connect(h, bob);
    const { record } = await directMessage(h, alice, bob, "Retry me");
    const failingViews = {
      ...views,
      message: async () => {
        throw new Error("signer unavailable");
      },
    };

    const response = await h.build("realtime", {
      views: failingViews,
      connectionsApi: managementApiConnections(managementClient),
    })(batchOf([record]), lambdaContext("stream-realtime"));

    expect(response.batchItemFailures).toEqual([{ itemIdentifier: record.dynamodb?.SequenceNumber }]);
    expect(management.commandCalls(PostToConnectionCommand)).toHaveLength(0);
  });
});

describe("the realtime fanout: comments", () => {
  it("pushes a new comment to the members following the item, and to no one who could not read it through REST", async () => {
    const h = harness();
    const [writer, reader, stranger, elsewhere] = await membersWithProfiles(
      h,
      "writer",
      "reader",
      "stranger",
      "elsewhere",
    );
    const itemId = `/2015/${uniqueId("christmas")}`;
    const { connections } = h.db.repositories;
    const readerTab = await connect(h, reader);
    await connections.subscribe(reader, readerTab, itemId);
    // Signed in but not (or no longer) a member: GET /comments refuses them.
    const strangerTab = await connect(h, stranger, []);
    await connections.subscribe(stranger, strangerTab, itemId);
    const elsewhereTab = await connect(h, elsewhere);
    await connections.subscribe(elsewhere, elsewhereTab, "/1999/summer");
    await h.tap.skip("Comments");
    const comment = await h.db.repositories.comments.create({
      itemId,
      userId: writer,
      userName: "Writer",
      userPhotoUrl: null,
      commentText: "What a tree!",
      itemTitle: "Christmas",
    });

    const response = await fanout(h, [await h.tap.takeOne("Comments")]);

    expect(response.batchItemFailures).toEqual([]);
    const pushes = pushesByConnection();
    expect(pushes.get(readerTab)).toEqual([
      {
        type: "comment.created",
        itemId,
        comment: expect.objectContaining({
          commentId: comment.commentId,
          commentText: "What a tree!",
          viewerHasReacted: false,
          version: 1,
        }),
      },
    ]);
    expect(pushes.has(strangerTab)).toBe(false);
    expect(pushes.has(elsewhereTab)).toBe(false);
  });

  it("names whom a pushed comment mentions with their current names, as the REST API does", async () => {
    const h = harness();
    const [writer, reader, named] = await membersWithProfiles(h, "writer", "reader", "named");
    await saveProfile(h, named, { displayName: "Named Now" });
    const itemId = `/2015/${uniqueId("mentions")}`;
    const readerTab = await connect(h, reader);
    await h.db.repositories.connections.subscribe(reader, readerTab, itemId);
    await h.tap.skip("Comments");
    await h.db.repositories.comments.create({
      itemId,
      userId: writer,
      userName: "Writer",
      userPhotoUrl: null,
      commentText: "Named, look",
      itemTitle: null,
      mentions: [named, "user-gone"],
    });
    expect((await fanout(h, [await h.tap.takeOne("Comments")])).batchItemFailures).toEqual([]);
    expect(pushesByConnection().get(readerTab)).toEqual([
      expect.objectContaining({
        type: "comment.created",
        comment: expect.objectContaining({
          mentions: [
            { userId: named, displayName: "Named Now" },
            { userId: "user-gone", displayName: "Former member" },
          ],
        }),
      }),
    ]);
  });

  it("pushes reactions as counts, edits with each viewer's own viewerHasReacted, and deletions without the text", async () => {
    const h = harness();
    const [writer, liker, other] = await membersWithProfiles(h, "writer", "liker", "other");
    const itemId = `/2016/${uniqueId("easter")}`;
    const { connections, comments, reactions } = h.db.repositories;
    const likerTab = await connect(h, liker);
    const otherTab = await connect(h, other);
    await connections.subscribe(liker, likerTab, itemId);
    await connections.subscribe(other, otherTab, itemId);
    const comment = await comments.create({
      itemId,
      userId: writer,
      userName: "Writer",
      userPhotoUrl: null,
      commentText: "First version",
      itemTitle: null,
    });
    await h.tap.skip("Comments");

    await reactions.toggle(comment.commentId, liker);
    await fanout(h, await h.tap.take("Comments"));
    expect(pushesByConnection().get(otherTab)).toEqual([
      {
        type: "reaction.changed",
        itemId,
        commentId: comment.commentId,
        reactionCount: 1,
        reactionCounts: { like: 1, love: 0, laugh: 0, wow: 0, sad: 0 },
      },
    ]);

    management.resetHistory();
    const caller = { userId: writer, groups: [MEMBER_GROUP] };
    await comments.edit(itemId, comment.commentId, caller, "Second version");
    await fanout(h, await h.tap.take("Comments"));
    const afterEdit = pushesByConnection();
    expect(afterEdit.get(likerTab)).toEqual([
      {
        type: "comment.updated",
        itemId,
        comment: expect.objectContaining({
          commentText: "Second version",
          isEdited: true,
          viewerHasReacted: true,
        }),
      },
    ]);
    expect(afterEdit.get(otherTab)?.[0]).toMatchObject({ comment: { viewerHasReacted: false, version: 2 } });

    management.resetHistory();
    await comments.softDelete(itemId, comment.commentId, caller, { asAdmin: false });
    await fanout(h, await h.tap.take("Comments"));
    const [deleted] = pushesByConnection().get(otherTab) ?? [];
    expect(deleted).toEqual({
      type: "comment.deleted",
      itemId,
      comment: { itemId, commentId: comment.commentId, deleted: true, deletedAt: expect.any(String) },
    });
  });
});

describe("the realtime fanout: replies and reaction kinds", () => {
  it("pushes a reply with its replyTo and threadId, and nothing for its thread's count", async () => {
    const h = harness();
    const [writer, replier, reader] = await membersWithProfiles(h, "writer", "replier", "reader");
    const itemId = `/1962/${uniqueId("letter")}`;
    const { connections, comments } = h.db.repositories;
    const readerTab = await connect(h, reader);
    await connections.subscribe(reader, readerTab, itemId);
    const top = await comments.create({
      itemId,
      userId: writer,
      userName: "Writer",
      userPhotoUrl: null,
      commentText: "Who wrote this?",
      itemTitle: null,
    });
    await h.tap.skip("Comments");
    const reply = await comments.create({
      itemId,
      userId: replier,
      userName: "Replier",
      userPhotoUrl: null,
      commentText: "Walter did",
      itemTitle: null,
      reply: await comments.resolveReply(itemId, top.commentId),
    });
    // The reply's INSERT and its top comment's count going up (a MODIFY).
    const records = await h.tap.take("Comments");
    expect(records.map((record) => record.eventName).sort()).toEqual(["INSERT", "MODIFY"]);
    expect((await fanout(h, records)).batchItemFailures).toEqual([]);
    expect(pushesByConnection().get(readerTab)).toEqual([
      {
        type: "comment.created",
        itemId,
        comment: expect.objectContaining({
          commentId: reply.commentId,
          replyTo: top.commentId,
          threadId: top.commentId,
          viewerReaction: null,
        }),
      },
    ]);
  });

  it("pushes the counts by kind when a member switches kinds, and each viewer's own kind with an edit", async () => {
    const h = harness();
    const [writer, reactor, other] = await membersWithProfiles(h, "writer", "reactor", "other");
    const itemId = `/1963/${uniqueId("photo")}`;
    const { connections, comments, reactions } = h.db.repositories;
    const reactorTab = await connect(h, reactor);
    const otherTab = await connect(h, other);
    await connections.subscribe(reactor, reactorTab, itemId);
    await connections.subscribe(other, otherTab, itemId);
    const comment = await comments.create({
      itemId,
      userId: writer,
      userName: "Writer",
      userPhotoUrl: null,
      commentText: "Look at this",
      itemTitle: null,
    });
    await reactions.toggle(comment.commentId, reactor, "love");
    await h.tap.skip("Comments");

    // The total stays 1: only the counts by kind tell the switch.
    await reactions.toggle(comment.commentId, reactor, "laugh");
    await fanout(h, await h.tap.take("Comments"));
    expect(pushesByConnection().get(otherTab)).toEqual([
      {
        type: "reaction.changed",
        itemId,
        commentId: comment.commentId,
        reactionCount: 1,
        reactionCounts: { like: 0, love: 0, laugh: 1, wow: 0, sad: 0 },
      },
    ]);

    management.resetHistory();
    await comments.edit(itemId, comment.commentId, { userId: writer, groups: [MEMBER_GROUP] }, "Look again");
    await fanout(h, await h.tap.take("Comments"));
    const pushes = pushesByConnection();
    expect(pushes.get(reactorTab)?.[0]).toMatchObject({
      comment: { viewerHasReacted: true, viewerReaction: "laugh" },
    });
    expect(pushes.get(otherTab)?.[0]).toMatchObject({
      comment: { viewerHasReacted: false, viewerReaction: null },
    });
  });
});

describe("the realtime fanout: the feed", () => {
  it("pushes a new feed entry with the exact unread count to its recipient only, and ignores the counter's own item", async () => {
    const h = harness();
    const [actor, recipient] = await membersWithProfiles(h, "actor", "recipient");
    const recipientTab = await connect(h, recipient);
    const actorTab = await connect(h, actor);
    await h.tap.skip("Notifications");
    await h.db.repositories.notifications.addForRecipients([recipient], {
      sourceEventId: uniqueId("event"),
      kind: "comment",
      actor: { userId: actor, displayName: "Actor" },
      itemId: "/2015/christmas",
      itemTitle: "Christmas",
      commentId: "01JCOMMENT",
      text: "Lovely photo",
      createdAt: new Date().toISOString(),
    });
    const records = await h.tap.take("Notifications");

    const response = await fanout(h, records);

    expect(response.batchItemFailures).toEqual([]);
    const pushes = pushesByConnection();
    expect(pushes.get(recipientTab)).toEqual([
      {
        type: "notification.created",
        notification: expect.objectContaining({ kind: "comment", preview: "Lovely photo", read: false }),
        unreadCount: 1,
      },
    ]);
    expect(pushes.has(actorTab)).toBe(false);
  });
});
