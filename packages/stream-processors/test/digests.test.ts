import { CreateScheduleCommand, InternalServerException } from "@aws-sdk/client-scheduler";
import { MessageRejected, SendEmailCommand } from "@aws-sdk/client-sesv2";
import { QueryCommand } from "@aws-sdk/lib-dynamodb";
import { describe, expect, it } from "vitest";
import { digestScheduleName } from "../src/notifications/digest-window.js";
import {
  commentBy,
  conversationWithMessage,
  DIGEST_TARGET,
  emailOf,
  type Harness,
  membersWithProfiles,
  saveProfile,
  uniqueId,
  useHarness,
} from "./helpers.js";

/**
 * Digest instead of drop: the first event of a window is emailed at once, the
 * rest are held and sent as one digest when the window's one-time schedule fires.
 */
const harness = useHarness("digests");
const WINDOW_MS = 15 * 60 * 1000;

async function heldItems(h: Harness, userId: string) {
  const output = await h.db.doc.send(
    new QueryCommand({
      TableName: h.db.tables.HeldNotifications,
      KeyConditionExpression: "userId = :u",
      ExpressionAttributeValues: { ":u": userId },
    }),
  );
  return output.Items ?? [];
}

/** A reader who commented on `items` first, and a writer whose comments then reach the reader. */
async function readerAndWriter(h: Harness, items: Array<{ itemId: string; title: string }>) {
  const [reader, writer] = await membersWithProfiles(h, "reader", "writer");
  for (const { itemId, title } of items) {
    await h.db.repositories.comments.create(commentBy(reader, itemId, "First!", title));
  }
  await h.tap.skip("Comments");
  const comment = async (itemId: string, title: string, text: string) => {
    await h.db.repositories.comments.create(commentBy(writer, itemId, text, title));
    const record = await h.tap.takeOne("Comments");
    const response = await h.process("notifications", [record]);
    expect(response.batchItemFailures).toEqual([]);
    return record;
  };
  return { reader, writer, comment };
}

describe("a burst of events in one window", () => {
  it("emails the first at once, holds the rest, and sends one digest listing them grouped by item", async () => {
    const h = harness();
    const christmas = `/2015/christmas-${uniqueId("item")}`;
    const letters = `/1962/letters-${uniqueId("item")}`;
    const { reader, comment } = await readerAndWriter(h, [
      { itemId: christmas, title: "Christmas 2015" },
      { itemId: letters, title: "Letters, 1962" },
    ]);

    await comment(christmas, "Christmas 2015", "One");
    expect(h.recipientsOfSent()).toEqual([emailOf(reader)]);
    expect(h.sentEmails()[0]?.Content?.Simple?.Subject?.Data).toBe('New comment on "Christmas 2015"');
    expect(h.schedules()).toEqual([]);
    for (const text of ["Two", "Three", "Four"]) await comment(christmas, "Christmas 2015", text);
    await comment(letters, "Letters, 1962", "Five");

    // Nothing more was emailed: four events wait, under one schedule at the window's end.
    expect(h.sentEmails()).toHaveLength(1);
    const [schedule, ...more] = h.schedules();
    expect(more).toEqual([]);
    const windowStart = await rawWindowStart(h, reader);
    const window = { userId: reader, kind: "comment", windowStart };
    expect(schedule).toMatchObject({
      Name: digestScheduleName({ userId: reader, kind: "comment", windowStart }),
      GroupName: DIGEST_TARGET.group,
      FlexibleTimeWindow: { Mode: "OFF" },
      ActionAfterCompletion: "DELETE",
      ScheduleExpressionTimezone: "UTC",
      Target: {
        Arn: DIGEST_TARGET.functionArn,
        RoleArn: DIGEST_TARGET.roleArn,
        DeadLetterConfig: { Arn: DIGEST_TARGET.deadLetterArn },
        RetryPolicy: expect.objectContaining({ MaximumRetryAttempts: expect.any(Number) }),
      },
    });
    expect(JSON.parse(schedule?.Target?.Input ?? "")).toEqual(window);
    const windowEnd = new Date(Date.parse(windowStart) + WINDOW_MS);
    expect(schedule?.ScheduleExpression).toBe(
      `at(${new Date(Math.ceil(windowEnd.getTime() / 1000) * 1000).toISOString().slice(0, 19)})`,
    );
    expect(schedule?.Name).not.toContain(reader);

    h.ses.resetHistory();
    h.advanceClock(WINDOW_MS);
    expect(await h.fire(schedule!)).toEqual({ status: "sent", listed: 4 });

    const [digest, ...others] = h.sentEmails();
    expect(others).toEqual([]);
    expect(digest?.Destination?.ToAddresses).toEqual([emailOf(reader)]);
    expect(digest?.Content?.Simple?.Subject?.Data).toBe(
      '3 new comments on "Christmas 2015" and 1 on "Letters, 1962"',
    );
    const text = digest?.Content?.Simple?.Body?.Text?.Data ?? "";
    expect(text).toContain(`https://hearth.example${christmas}`);
    expect(text).toContain(`https://hearth.example${letters}`);
    const html = digest?.Content?.Simple?.Body?.Html?.Data ?? "";
    expect(html).toContain(`href="https://hearth.example${christmas}"`);
    expect(html).toContain(`href="https://hearth.example${letters}"`);
  });

  it("groups held messages by conversation, with the conversation's link", async () => {
    const h = harness();
    const [sam, tina] = await membersWithProfiles(h, "sam", "tina");
    const { conversationId } = await conversationWithMessage(h, {
      conversationType: "group",
      participantIds: [sam, tina],
      title: "Cousins <3",
      senderId: sam,
      senderName: "Sam",
      messageText: "First",
    });
    for (const messageText of ["Second", "Third"]) {
      await h.db.repositories.conversations.sendMessage({
        conversationId,
        senderId: sam,
        senderName: "Sam",
        messageText,
        attachments: [],
      });
    }
    const records = await h.tap.take("Messages");
    expect((await h.process("notifications", records)).batchItemFailures).toEqual([]);
    expect(h.recipientsOfSent()).toEqual([emailOf(tina)]);

    h.ses.resetHistory();
    h.advanceClock(WINDOW_MS);
    const [schedule] = h.schedules();
    expect(await h.fire(schedule!)).toEqual({ status: "sent", listed: 2 });
    const [digest] = h.sentEmails();
    expect(digest?.Content?.Simple?.Subject?.Data).toBe('2 new messages in "Cousins <3"');
    expect(digest?.Content?.Simple?.Body?.Html?.Data).toContain(
      `href="https://hearth.example/messages/${encodeURIComponent(conversationId)}"`,
    );
    expect(digest?.Content?.Simple?.Body?.Html?.Data).toContain("Cousins &lt;3");
  });
});

/** The slot's window start (the claimedAt of the window's first email), as the profile keeps it. */
async function rawWindowStart(h: Harness, userId: string): Promise<string> {
  const held = await heldItems(h, userId);
  const state = held.find((item) => (item.heldKey as string).split("#").length === 2);
  if (!state) throw new Error("No window state item");
  return (state.heldKey as string).split("#")[1] as string;
}

describe("windows with nothing held", () => {
  it("schedule nothing, and a stray firing sends nothing", async () => {
    const h = harness();
    const itemId = `/alone/${uniqueId("item")}`;
    const { reader, comment } = await readerAndWriter(h, [{ itemId, title: "Alone" }]);
    await comment(itemId, "Alone", "Only one");

    expect(h.recipientsOfSent()).toEqual([emailOf(reader)]);
    expect(h.schedules()).toEqual([]);
    expect(h.scheduler.commandCalls(CreateScheduleCommand)).toEqual([]);
    expect(await heldItems(h, reader)).toEqual([]);

    h.ses.resetHistory();
    const profile = await h.db.repositories.profiles.get(reader);
    expect(profile).toBeDefined();
    const stray = { userId: reader, kind: "comment", windowStart: new Date().toISOString() };
    expect(await h.digest(stray)).toEqual({ status: "already-claimed", listed: 0 });
    expect(h.sentEmails()).toEqual([]);
  });
});

describe("events read in the app", () => {
  it("are left out of the digest, and no digest goes when all were read", async () => {
    const h = harness();
    const itemId = `/read/${uniqueId("item")}`;
    const { reader, comment } = await readerAndWriter(h, [{ itemId, title: "Read" }]);
    await comment(itemId, "Read", "Emailed");
    await comment(itemId, "Read", "Held, read in the app");
    await comment(itemId, "Read", "Held, unread");
    const feed = await h.db.repositories.notifications.list(reader, { limit: 10 });
    const [unread, readInApp] = feed.items;
    expect(unread?.preview).toBe("Held, unread");
    await h.db.repositories.notifications.markRead(reader, { upTo: readInApp!.notificationId });

    h.ses.resetHistory();
    h.advanceClock(WINDOW_MS);
    const [schedule] = h.schedules();
    expect(await h.fire(schedule!)).toEqual({ status: "sent", listed: 1 });
    expect(h.sentEmails()[0]?.Content?.Simple?.Subject?.Data).toBe('1 new comment on "Read"');

    // The next window: both held events read before it closes, no digest at all.
    h.ses.resetHistory();
    await comment(itemId, "Read", "Opens the next window");
    await comment(itemId, "Read", "Held 1");
    await comment(itemId, "Read", "Held 2");
    expect(h.recipientsOfSent()).toEqual([emailOf(reader)]);
    await h.db.repositories.notifications.markRead(reader, { all: true });
    h.ses.resetHistory();
    h.advanceClock(WINDOW_MS);
    const next = h.schedules()[1];
    expect(next).toBeDefined();
    expect(await h.fire(next!)).toEqual({ status: "nothing-to-send", listed: 0 });
    expect(h.sentEmails()).toEqual([]);
  });

  it("sends no digest when the recipient turned that kind of email off meanwhile", async () => {
    const h = harness();
    const itemId = `/off/${uniqueId("item")}`;
    const { reader, comment } = await readerAndWriter(h, [{ itemId, title: "Off" }]);
    await comment(itemId, "Off", "Emailed");
    await comment(itemId, "Off", "Held");
    await saveProfile(h, reader, { preferences: { comments: false } });

    h.ses.resetHistory();
    h.advanceClock(WINDOW_MS);
    expect(await h.fire(h.schedules()[0]!)).toEqual({ status: "nothing-to-send", listed: 0 });
    expect(h.sentEmails()).toEqual([]);
  });
});

describe("redelivery", () => {
  it("holds nothing twice and schedules once when a record is retried after another recipient failed", async () => {
    const h = harness();
    const itemId = `/retry/${uniqueId("item")}`;
    const [early, bouncy, writer] = await membersWithProfiles(h, "early", "bouncy", "writer");
    const bouncyAddress = `${bouncy}@bounces.example`;
    await saveProfile(h, bouncy, { email: bouncyAddress });
    await h.db.repositories.comments.create(commentBy(early, itemId));
    await h.db.repositories.comments.create(commentBy(bouncy, itemId));
    await h.tap.skip("Comments");
    // Both were emailed about the writer's first comment: their windows are open.
    await h.db.repositories.comments.create(commentBy(writer, itemId, "Opens the windows"));
    await h.process("notifications", [await h.tap.takeOne("Comments")]);
    expect(h.recipientsOfSent()).toEqual([bouncyAddress, emailOf(early)].sort());

    await h.db.repositories.comments.create(commentBy(writer, itemId, "Held for both"));
    const record = await h.tap.takeOne("Comments");
    h.failNextSchedule(
      new InternalServerException({
        message: "Scheduler hiccup",
        Message: "Scheduler hiccup",
        $metadata: {},
      }),
    );
    // One of the two schedules fails: the record fails, that schedule's mark given back ...
    const failed = await h.process("notifications", [record]);
    expect(failed.batchItemFailures).toHaveLength(1);
    expect(h.schedules()).toHaveLength(1);
    // ... and every retry finds the events held; the failed schedule is made, no other again.
    for (let retry = 0; retry < 3; retry++) {
      expect((await h.process("notifications", [record])).batchItemFailures).toEqual([]);
    }
    expect(h.scheduler.commandCalls(CreateScheduleCommand)).toHaveLength(3);
    const heldFor = async (userId: string) =>
      (await heldItems(h, userId)).filter((item) => (item.heldKey as string).split("#").length > 2);
    expect(await heldFor(early)).toHaveLength(1);
    expect(await heldFor(bouncy)).toHaveLength(1);
    expect(
      h
        .schedules()
        .map((s) => JSON.parse(s.Target?.Input ?? "").userId)
        .sort(),
    ).toEqual([early, bouncy].sort());
    expect(h.sentEmails()).toHaveLength(2);

    h.ses.resetHistory();
    h.advanceClock(WINDOW_MS);
    for (const schedule of h.schedules()) expect((await h.fire(schedule)).listed).toBe(1);
    expect(h.recipientsOfSent()).toEqual([bouncyAddress, emailOf(early)].sort());
  });

  it("does not hold the event whose own email went out when its record is retried", async () => {
    const h = harness();
    const itemId = `/own/${uniqueId("item")}`;
    const [fine, broken, writer] = await membersWithProfiles(h, "fine", "broken", "writer");
    const brokenAddress = `${broken}@bounces.example`;
    await saveProfile(h, broken, { email: brokenAddress });
    await h.db.repositories.comments.create(commentBy(fine, itemId));
    await h.db.repositories.comments.create(commentBy(broken, itemId));
    await h.tap.skip("Comments");
    await h.db.repositories.comments.create(commentBy(writer, itemId, "Hello both"));
    const record = await h.tap.takeOne("Comments");
    h.ses
      .on(SendEmailCommand, { Destination: { ToAddresses: [brokenAddress] } })
      .rejectsOnce(new MessageRejected({ message: "Throttled", $metadata: {} }));

    expect((await h.process("notifications", [record])).batchItemFailures).toHaveLength(1);
    expect((await h.process("notifications", [record])).batchItemFailures).toEqual([]);

    // Each got the one email; nothing is held for either, so no digest will repeat it.
    expect(h.recipientsOfSent()).toEqual([brokenAddress, brokenAddress, emailOf(fine)].sort());
    expect(await heldItems(h, fine)).toEqual([]);
    expect(await heldItems(h, broken)).toEqual([]);
    expect(h.schedules()).toEqual([]);
  });
});

describe("the digest trigger", () => {
  it("gives the claim back when SES fails, so the retry sends exactly one digest", async () => {
    const h = harness();
    const itemId = `/ses/${uniqueId("item")}`;
    const { reader, comment } = await readerAndWriter(h, [{ itemId, title: "SES" }]);
    await comment(itemId, "SES", "Emailed");
    await comment(itemId, "SES", "Held");
    const [schedule] = h.schedules();
    h.ses.reset();
    h.ses
      .on(SendEmailCommand)
      .rejectsOnce(new MessageRejected({ message: "Sending paused", $metadata: {} }))
      .resolves({ MessageId: "digest" });
    h.advanceClock(WINDOW_MS);

    await expect(h.fire(schedule!)).rejects.toThrow(/Sending paused/);
    expect(await h.fire(schedule!)).toEqual({ status: "sent", listed: 1 });
    expect(await h.fire(schedule!)).toEqual({ status: "already-claimed", listed: 0 });

    const calls = h.ses.commandCalls(SendEmailCommand);
    expect(calls).toHaveLength(2);
    expect(h.recipientsOfSent()).toEqual([emailOf(reader), emailOf(reader)]);
  });

  it("sends one digest when it fires twice at once", async () => {
    const h = harness();
    const itemId = `/twice/${uniqueId("item")}`;
    const { reader, comment } = await readerAndWriter(h, [{ itemId, title: "Twice" }]);
    await comment(itemId, "Twice", "Emailed");
    await comment(itemId, "Twice", "Held");
    await comment(itemId, "Twice", "Held too");
    h.ses.resetHistory();
    h.advanceClock(WINDOW_MS);
    const [schedule] = h.schedules();

    const outcomes = await Promise.all([h.fire(schedule!), h.fire(schedule!), h.fire(schedule!)]);

    expect(outcomes.map((o) => o.status).sort()).toEqual(["already-claimed", "already-claimed", "sent"]);
    expect(h.recipientsOfSent()).toEqual([emailOf(reader)]);
  });

  it("refuses a malformed input, so it ends in the dead-letter queue instead of vanishing", async () => {
    const h = harness();
    await expect(h.digest({ userId: "u", kind: "poke", windowStart: "now" })).rejects.toThrow(/kind/);
    await expect(h.digest({ kind: "comment" })).rejects.toThrow(/userId/);
    await expect(h.digest({ userId: "u", kind: "comment", windowStart: "soon" })).rejects.toThrow(
      /windowStart/,
    );
  });
});

describe("the window's end", () => {
  it("loses no event held just as the digest runs: one too late opens the next window and is emailed", async () => {
    const h = harness();
    const itemId = `/race/${uniqueId("item")}`;
    const { reader, comment } = await readerAndWriter(h, [{ itemId, title: "Race" }]);
    await comment(itemId, "Race", "Emailed");
    await comment(itemId, "Race", "Held in time");
    const [schedule] = h.schedules();
    h.ses.resetHistory();

    // The digest runs a moment early (clocks differ) and claims the window first ...
    expect(await h.fire(schedule!)).toEqual({ status: "sent", listed: 1 });
    // ... then an event whose slot still points at that window arrives: not held, not lost.
    await comment(itemId, "Race", "Just too late");

    const subjects = h.sentEmails().map((email) => email.Content?.Simple?.Subject?.Data);
    expect(subjects).toEqual(['1 new comment on "Race"', 'New comment on "Race"']);
    expect(h.sentEmails()[1]?.Content?.Simple?.Body?.Text?.Data).toContain("Just too late");
    // It opened a new window: the next event is held under a second schedule.
    await comment(itemId, "Race", "Held in the new window");
    expect(h.recipientsOfSent()).toEqual([emailOf(reader), emailOf(reader)]);
    expect(h.schedules()).toHaveLength(2);
  });

  it("puts an event held concurrently with the digest's claim either in the digest or in a new window", async () => {
    const h = harness();
    const itemId = `/concurrent/${uniqueId("item")}`;
    const { reader, writer } = await readerAndWriter(h, [{ itemId, title: "Concurrent" }]);
    const { comments } = h.db.repositories;
    await comments.create(commentBy(writer, itemId, "Emailed", "Concurrent"));
    await comments.create(commentBy(writer, itemId, "Held", "Concurrent"));
    await h.process("notifications", await h.tap.take("Comments"));
    const [schedule] = h.schedules();
    await comments.create(commentBy(writer, itemId, "Racing the digest", "Concurrent"));
    const racing = await h.tap.takeOne("Comments");
    h.ses.resetHistory();

    const [digest, processed] = await Promise.all([h.fire(schedule!), h.process("notifications", [racing])]);

    expect(processed.batchItemFailures).toEqual([]);
    const texts = h.sentEmails().map((email) => email.Content?.Simple?.Body?.Text?.Data ?? "");
    if (digest.listed === 2) {
      // Held before the claim: in the digest, and nothing else was sent.
      expect(texts).toHaveLength(1);
    } else {
      // Held after the claim would have been lost: it opened a new window and went at once.
      expect(digest.listed).toBe(1);
      expect(texts.some((text) => text.includes("Racing the digest"))).toBe(true);
      expect(texts).toHaveLength(2);
    }
    expect(h.recipientsOfSent().every((to) => to === emailOf(reader))).toBe(true);
  });
});
