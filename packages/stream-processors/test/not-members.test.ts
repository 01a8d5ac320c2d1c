import {
  ApiGatewayManagementApiClient,
  PostToConnectionCommand,
} from "@aws-sdk/client-apigatewaymanagementapi";
import { MEMBER_GROUP, type Notification } from "@hearth/domain";
import { pushViewsFromEnv } from "@hearth/views/push-views";
import type { DynamoDBRecord } from "aws-lambda";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { buildDigestFunction } from "../src/digests/build.js";
import { managementApiConnections } from "../src/realtime/connections-api.js";
import type { ProcessorMetrics } from "../src/runtime.js";
import {
  batchOf,
  commentBy,
  conversationWithMessage,
  emailOf,
  type Harness,
  lambdaContext,
  leaveTheFamily,
  membersWithProfiles,
  uniqueId,
  useHarness,
} from "./helpers.js";

/**
 * Every delivery path asks, at the moment it delivers, whether the recipient is a member now
 * (their profile's mark): someone let out of the groups, or never let in, gets no feed entry,
 * email, digest or push, and each one withheld is counted.
 */
const harness = useHarness("not-members");
const WINDOW_MS = 15 * 60 * 1000;

/** What the processors count, summed over every publish. */
function recordMetrics(h: Harness) {
  const counted: Record<string, number> = {};
  const recorder: ProcessorMetrics = {
    addMetric: (name, _unit, value) => {
      counted[name] = (counted[name] ?? 0) + value;
    },
    publishStoredMetrics: () => {},
  };
  h.deps.metrics = recorder;
  return { recorder, counted };
}

async function feedOf(h: Harness, userId: string): Promise<Notification[]> {
  return (await h.db.repositories.notifications.list(userId, { limit: 100 })).items;
}

describe("notifications to people who are not members now", () => {
  it("give a comment's earlier commenter who was let out no feed entry and no email, and count both", async () => {
    const h = harness();
    const { counted } = recordMetrics(h);
    const itemId = `/2015/${uniqueId("item")}`;
    const [stays, leaves, writer] = await membersWithProfiles(h, "stays", "leaves", "writer");
    for (const userId of [stays, leaves]) await h.db.repositories.comments.create(commentBy(userId, itemId));
    await h.tap.skip("Comments");
    await h.db.repositories.comments.create(commentBy(writer, itemId));
    const record = await h.tap.takeOne("Comments");
    // Let out after the comment was written, before its record is delivered: delivery decides.
    await leaveTheFamily(h, leaves);

    expect((await h.process("notifications", [record])).batchItemFailures).toEqual([]);

    expect(h.recipientsOfSent()).toEqual([emailOf(stays)]);
    expect(await feedOf(h, stays)).toHaveLength(1);
    expect(await feedOf(h, leaves)).toEqual([]);
    expect(counted).toMatchObject({
      EmailsSent: 1,
      EmailsSkippedNotMember: 1,
      FeedEntriesSkippedNotMember: 1,
    });
  });

  it("tell a comment's author who waits for approval nothing of a like", async () => {
    const h = harness();
    const [author, liker] = await membersWithProfiles(h, "author", "liker");
    const comment = await h.db.repositories.comments.create(commentBy(author, `/r/${uniqueId("item")}`));
    await h.tap.skip("CommentReactions");
    await h.db.repositories.reactions.toggle(comment.commentId, liker);
    await leaveTheFamily(h, author);

    const { counted } = recordMetrics(h);
    const records = await h.tap.take("CommentReactions");
    expect((await h.process("notifications", records)).batchItemFailures).toEqual([]);

    expect(h.sentEmails()).toEqual([]);
    expect(await feedOf(h, author)).toEqual([]);
    expect(counted).toMatchObject({ EmailsSkippedNotMember: 1, FeedEntriesSkippedNotMember: 1 });
  });

  it("send a group's message to its members only, not to a participant let out since", async () => {
    const h = harness();
    const [sender, stays, leaves] = await membersWithProfiles(h, "sender", "stays", "leaves");
    await h.tap.skip("Messages");
    await conversationWithMessage(h, {
      conversationType: "group",
      participantIds: [sender, stays, leaves],
      senderId: sender,
      senderName: "Sender",
      messageText: "The full text of a family message",
    });
    await leaveTheFamily(h, leaves);

    const records = await h.tap.take("Messages");
    expect((await h.process("notifications", records)).batchItemFailures).toEqual([]);

    expect(h.recipientsOfSent()).toEqual([emailOf(stays)]);
    expect(await feedOf(h, stays)).toHaveLength(1);
    expect(await feedOf(h, leaves)).toEqual([]);
  });

  it("send no welcome to someone let out again before it went", async () => {
    const h = harness();
    const userId = uniqueId("newcomer");
    await h.db.repositories.profiles.ensureOnSignIn(userId, {
      displayName: "New",
      email: emailOf(userId),
      isMember: false,
    });
    await h.tap.skip("UserProfiles");
    await h.db.repositories.profiles.approve(userId, "admin-1");
    const records = await h.tap.take("UserProfiles");
    await leaveTheFamily(h, userId);
    const { counted } = recordMetrics(h);

    expect((await h.process("notifications", records)).batchItemFailures).toEqual([]);

    expect(h.sentEmails()).toEqual([]);
    expect(counted).toEqual({ EmailsSkippedNotMember: 1 });
  });
});

describe("a digest whose recipient is no longer a member", () => {
  it("is decided when it is sent: events held while they were a member are not sent, and it is counted", async () => {
    const h = harness();
    const itemId = `/d/${uniqueId("item")}`;
    const [reader, writer] = await membersWithProfiles(h, "reader", "writer");
    await h.db.repositories.comments.create(commentBy(reader, itemId));
    await h.tap.skip("Comments");
    for (const text of ["One", "Two", "Three"]) {
      await h.db.repositories.comments.create(commentBy(writer, itemId, text));
      expect((await h.process("notifications", [await h.tap.takeOne("Comments")])).batchItemFailures).toEqual(
        [],
      );
    }
    // The first was emailed while the reader was a member; the others wait for the digest.
    expect(h.recipientsOfSent()).toEqual([emailOf(reader)]);
    const [schedule] = h.schedules();
    expect(schedule).toBeDefined();
    await leaveTheFamily(h, reader);
    h.ses.resetHistory();
    h.advanceClock(WINDOW_MS);
    const { recorder, counted } = recordMetrics(h);
    const digest = buildDigestFunction(h.env, { ...h.deps, metrics: recorder });

    expect(await digest(JSON.parse(schedule?.Target?.Input ?? "null"), lambdaContext("digests"))).toEqual({
      status: "not-member",
      listed: 0,
    });
    expect(h.sentEmails()).toEqual([]);
    expect(counted).toEqual({ DigestsSkippedNotMember: 1 });
    // Done: firing again sends nothing either.
    expect(await h.fire(schedule!)).toEqual({ status: "already-claimed", listed: 0 });
  });
});

describe("realtime pushes to an open socket of someone no longer a member", () => {
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

  function fanout(h: Harness, records: DynamoDBRecord[]) {
    return h.build("realtime", { views, connectionsApi: managementApiConnections(managementClient) })(
      batchOf(records),
      lambdaContext("stream-realtime"),
    );
  }

  /** The connections pushed to, and what, by type. */
  function pushed(): Array<{ connectionId: string; type: string }> {
    return management.commandCalls(PostToConnectionCommand).map((call) => ({
      connectionId: call.args[0].input.ConnectionId as string,
      type: JSON.parse(new TextDecoder().decode(call.args[0].input.Data as Uint8Array)).type,
    }));
  }

  /** A socket opened while `userId` was a member (the groups the handshake saw). */
  async function connect(h: Harness, userId: string) {
    const connectionId = uniqueId(`conn-${userId}`);
    await h.db.repositories.connections.connect({ userId, connectionId, groups: [MEMBER_GROUP] });
    return connectionId;
  }

  it("withholds the message and conversation pushes, and counts them", async () => {
    const h = harness();
    const { counted } = recordMetrics(h);
    const [sender, stays, leaves] = await membersWithProfiles(h, "sender", "stays", "leaves");
    const staysTab = await connect(h, stays);
    const leavesTab = await connect(h, leaves);
    await h.tap.skip("Messages");
    await conversationWithMessage(h, {
      conversationType: "group",
      participantIds: [sender, stays, leaves],
      senderId: sender,
      senderName: "Sender",
      messageText: "Private",
    });
    await leaveTheFamily(h, leaves);

    expect((await fanout(h, await h.tap.take("Messages"))).batchItemFailures).toEqual([]);

    expect(pushed().filter((push) => push.connectionId === staysTab)).toHaveLength(2);
    expect(pushed().filter((push) => push.connectionId === leavesTab)).toEqual([]);
    expect(counted.PushesSkippedNotMember).toBe(2);
  });

  it("withholds a feed entry's push", async () => {
    const h = harness();
    const [actor, recipient] = await membersWithProfiles(h, "actor", "recipient");
    const recipientTab = await connect(h, recipient);
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
    await leaveTheFamily(h, recipient);
    const { counted } = recordMetrics(h);

    expect((await fanout(h, await h.tap.take("Notifications"))).batchItemFailures).toEqual([]);

    expect(pushed().filter((push) => push.connectionId === recipientTab)).toEqual([]);
    expect(counted).toEqual({ PushesSkippedNotMember: 1 });
  });

  it("withholds comment and reaction pushes from a subscriber let out since they subscribed", async () => {
    const h = harness();
    const [writer, stays, leaves] = await membersWithProfiles(h, "writer", "stays", "leaves");
    const itemId = `/2016/${uniqueId("item")}`;
    const { connections, comments, reactions } = h.db.repositories;
    const staysTab = await connect(h, stays);
    const leavesTab = await connect(h, leaves);
    await connections.subscribe(stays, staysTab, itemId);
    await connections.subscribe(leaves, leavesTab, itemId);
    await leaveTheFamily(h, leaves);
    await h.tap.skip("Comments");
    const comment = await comments.create(commentBy(writer, itemId, "Hello"));
    await reactions.toggle(comment.commentId, stays);
    const { counted } = recordMetrics(h);

    expect((await fanout(h, await h.tap.take("Comments"))).batchItemFailures).toEqual([]);

    expect(
      pushed()
        .filter((push) => push.connectionId === staysTab)
        .map((push) => push.type)
        // The batch's records run in parallel: the two pushes may come in either order.
        .sort(),
    ).toEqual(["comment.created", "reaction.changed"]);
    expect(pushed().filter((push) => push.connectionId === leavesTab)).toEqual([]);
    expect(counted.PushesSkippedNotMember).toBe(2);
  });
});
