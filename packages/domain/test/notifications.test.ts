import { randomUUID } from "node:crypto";
import { QueryCommand, TransactWriteCommand } from "@aws-sdk/lib-dynamodb";
import { describe, expect, it } from "vitest";
import { NotFoundError } from "../src/errors.js";
import {
  type NewNotification,
  NOTIFICATION_TTL_SECONDS,
  NotificationsRepository,
  notificationIdFor,
  notificationPreview,
  UNREAD_COUNTER_ID,
} from "../src/repositories/notifications.js";
import { sanitizeText } from "../src/rules/text.js";
import { tableSpec } from "../src/tables.js";
import { useTestDatabase } from "./helpers.js";

const db = useTestDatabase("notifications");

const userOf = (label: string) => `${label}-${randomUUID().slice(0, 8)}`;

/** A comment event at `minute` minutes past 10:00 on a day in 2026. */
function commentEvent(minute: number, extra: Partial<NewNotification> = {}): NewNotification {
  const createdAt = new Date(Date.UTC(2026, 11, 1, 10, minute)).toISOString();
  return {
    sourceEventId: `event-${minute}-${randomUUID()}`,
    kind: "comment",
    actor: { userId: "bob", displayName: "Bob" },
    itemId: "/2015/christmas",
    itemTitle: "Christmas 2015",
    commentId: `comment-${minute}`,
    text: `Comment number ${minute}`,
    createdAt,
    ...extra,
  };
}

async function rawItems(userId: string) {
  const { doc, tables } = db();
  const output = await doc.send(
    new QueryCommand({
      TableName: tables.Notifications,
      KeyConditionExpression: "userId = :u",
      ExpressionAttributeValues: { ":u": userId },
      ConsistentRead: true,
    }),
  );
  return output.Items ?? [];
}

async function unreadEntries(userId: string): Promise<number> {
  return (await rawItems(userId)).filter(
    (item) => item.notificationId !== UNREAD_COUNTER_ID && item.read === false,
  ).length;
}

describe("the Notifications table spec", () => {
  it("keys entries by recipient and a time-sorted id, with a TTL", () => {
    const spec = tableSpec("Notifications");
    expect(spec.partitionKey).toEqual({ name: "userId", type: "S" });
    expect(spec.sortKey).toEqual({ name: "notificationId", type: "S" });
    expect(spec.timeToLiveAttribute).toBe("expiresAt");
  });
});

describe("notification ids and previews", () => {
  it("derive the id from the event's time and record, the same for a redelivery, sorting by time", () => {
    const first = notificationIdFor("2026-12-01T10:00:00.000Z", "record-a");
    expect(first).toMatch(/^2026-12-01T10:00:00\.000Z#[0-9a-f]{12}$/);
    expect(notificationIdFor("2026-12-01T10:00:00.000Z", "record-a")).toBe(first);
    expect(notificationIdFor("2026-12-01T10:00:00.000Z", "record-b")).not.toBe(first);
    expect(notificationIdFor("2026-12-01T10:00:01.000Z", "record-a") > first).toBe(true);
    expect(UNREAD_COUNTER_ID < first).toBe(true);
  });

  it("make previews of the stored (already plain) text: one line, at most 140 characters, ellipsis", () => {
    // What the write path stores: sanitizeText's result, which reducing again leaves unchanged.
    const stored = sanitizeText("<b>Hello</b>\n\nthere &amp; all\t <3", "commentText", { min: 1, max: 2000 });
    expect(notificationPreview(stored)).toBe("Hello there & all <3");
    // Plain text that looks like markup stays as written: it was text when it was stored.
    expect(notificationPreview("5 < 6 &amp; x")).toBe("5 < 6 &amp; x");
    expect(notificationPreview("a\u0000\u0085b\r\nc")).toBe("a b c");
    const long = notificationPreview("word ".repeat(100));
    expect(long).toHaveLength(140);
    expect(long).toBe(`${"word ".repeat(28).slice(0, 139)}…`);
    expect(notificationPreview("x".repeat(140))).toBe("x".repeat(140));
  });

  it("cut long previews between code points, never leaving half an emoji", () => {
    // 138 letters then emoji (two UTF-16 units each): the first emoji would end at unit 140.
    const preview = notificationPreview(`${"a".repeat(138)}${"😀".repeat(5)}`);
    expect(preview).toBe(`${"a".repeat(138)}…`);
    expect(preview).not.toMatch(/\p{Cs}/u);
    const emoji = notificationPreview("😀".repeat(100));
    expect(emoji).toBe(`${"😀".repeat(69)}…`);
    expect(emoji.length).toBeLessThanOrEqual(140);
  });
});

describe("NotificationsRepository", () => {
  it("adds one unread entry per recipient, counted, with a 90-day TTL; a redelivery adds none", async () => {
    const now = new Date("2026-12-01T12:00:00.000Z");
    const repo = new NotificationsRepository({ ...db(), now: () => now });
    const [ann, cat] = [userOf("ann"), userOf("cat")];
    const event = commentEvent(1);
    expect(await repo.addForRecipients([ann, cat, ann], event)).toBe(2);
    expect(await repo.addForRecipients([ann, cat], event)).toBe(0);

    const page = await repo.list(ann, {});
    expect(page.unreadCount).toBe(1);
    expect(page.items).toHaveLength(1);
    expect(page.items[0]).toMatchObject({
      userId: ann,
      notificationId: notificationIdFor(event.createdAt, event.sourceEventId),
      kind: "comment",
      actor: { userId: "bob", displayName: "Bob" },
      itemId: "/2015/christmas",
      itemTitle: "Christmas 2015",
      commentId: "comment-1",
      conversationId: null,
      preview: "Comment number 1",
      createdAt: event.createdAt,
      read: false,
      expiresAt: Math.floor(now.getTime() / 1000) + NOTIFICATION_TTL_SECONDS,
    });
    expect((await repo.list(cat, {})).unreadCount).toBe(1);
  });

  it("lists newest first, one page at a time, leaving out the counter and expired entries", async () => {
    const { repositories } = db();
    const ann = userOf("ann");
    for (let minute = 0; minute < 5; minute++) {
      await repositories.notifications.addForRecipients([ann], commentEvent(minute));
    }
    const first = await repositories.notifications.list(ann, { limit: 3 });
    expect(first.items.map((n) => n.commentId)).toEqual(["comment-4", "comment-3", "comment-2"]);
    expect(first.unreadCount).toBe(5);
    const second = await repositories.notifications.list(ann, { limit: 3, cursor: first.nextCursor });
    expect(second.items.map((n) => n.commentId)).toEqual(["comment-1", "comment-0"]);
    expect(second.nextCursor).toBeNull();

    const later = new Date(Date.now() + (NOTIFICATION_TTL_SECONDS + 60) * 1000);
    const afterTtl = new NotificationsRepository({ ...db(), now: () => later });
    expect((await afterTtl.list(ann, {})).items).toEqual([]);
  });

  it("marks read up to an entry (it and every older one), then all, keeping the count exact", async () => {
    const { notifications } = db().repositories;
    const ann = userOf("ann");
    for (let minute = 0; minute < 4; minute++)
      await notifications.addForRecipients([ann], commentEvent(minute));
    const ids = (await notifications.list(ann, {})).items.map((n) => n.notificationId);

    expect(await notifications.markRead(ann, { upTo: ids[2]! })).toBe(2);
    const page = await notifications.list(ann, {});
    expect(page.items.map((n) => n.read)).toEqual([false, false, true, true]);
    // Marking again what is already read changes nothing.
    expect(await notifications.markRead(ann, { upTo: ids[2]! })).toBe(2);
    expect(await notifications.markRead(ann, { all: true })).toBe(0);
    expect(await unreadEntries(ann)).toBe(0);
  });

  it("refuses an upTo that is not one of the member's entries, changing nothing", async () => {
    const { notifications } = db().repositories;
    const [ann, cat] = [userOf("ann"), userOf("cat")];
    await notifications.addForRecipients([ann], commentEvent(1));
    await notifications.addForRecipients([cat], commentEvent(2));
    const catsId = (await notifications.list(cat, {})).items[0]!.notificationId;

    await expect(notifications.markRead(ann, { upTo: catsId })).rejects.toThrow(NotFoundError);
    await expect(notifications.markRead(ann, { upTo: UNREAD_COUNTER_ID })).rejects.toThrow(NotFoundError);
    expect((await notifications.list(ann, {})).unreadCount).toBe(1);
    expect((await notifications.list(cat, {})).unreadCount).toBe(1);
  });

  it("writes one entry per recipient for events of one `once` key while it is unread, listing and marking only entries", async () => {
    const { notifications } = db().repositories;
    const [ann, cat] = [userOf("ann"), userOf("cat")];
    const like = (minute: number) => ({
      ...commentEvent(minute),
      kind: "reaction" as const,
      once: "like-of-c1",
    });
    expect(await notifications.addForRecipients([ann, cat], like(1))).toBe(2);
    expect(await notifications.addForRecipients([ann], like(2))).toBe(0);
    // Another key is another entry.
    expect(await notifications.addForRecipients([ann], { ...like(3), once: "like-of-c2" })).toBe(1);
    const listed = await notifications.list(ann, {});
    expect(listed.items.map((n) => n.createdAt)).toEqual([like(3).createdAt, like(1).createdAt]);
    expect(listed.unreadCount).toBe(2);
    // The markers share the partition but are no entries: not marked, not an upTo, not counted.
    const marker = (await rawItems(ann)).find((item) => String(item.notificationId).startsWith("#once"));
    expect(marker).toBeDefined();
    await expect(notifications.markRead(ann, { upTo: String(marker!.notificationId) })).rejects.toThrow(
      NotFoundError,
    );
    expect(await notifications.markRead(ann, { all: true })).toBe(0);
    // Read: the next event of the key is an entry again.
    expect(await notifications.addForRecipients([ann, cat], like(4))).toBe(1);
    expect((await notifications.list(ann, {})).unreadCount).toBe(1);
    expect((await notifications.list(cat, {})).unreadCount).toBe(1);
    expect(await notifications.removeAllForUser(ann)).toBe(3);
    expect(await rawItems(ann)).toEqual([]);
  });

  it("keeps the count exact under 24 concurrent writes and marks", async () => {
    const { notifications } = db().repositories;
    const ann = userOf("ann");
    await Promise.all(
      Array.from({ length: 24 }, (_, minute) => notifications.addForRecipients([ann], commentEvent(minute))),
    );
    expect((await notifications.list(ann, {})).unreadCount).toBe(24);
    const ids = (await notifications.list(ann, { limit: 100 })).items.map((n) => n.notificationId);

    // Marks of overlapping ranges, "all" marks and new entries all at once.
    await Promise.all([
      ...ids.slice(0, 12).map((upTo) => notifications.markRead(ann, { upTo })),
      ...Array.from({ length: 4 }, () => notifications.markRead(ann, { all: true })),
      ...Array.from({ length: 8 }, (_, i) => notifications.addForRecipients([ann], commentEvent(30 + i))),
    ]);
    const unread = await unreadEntries(ann);
    expect((await notifications.list(ann, {})).unreadCount).toBe(unread);
    expect(await notifications.markRead(ann, { all: true })).toBe(0);
    expect(await unreadEntries(ann)).toBe(0);
  });

  it("answers the exact count when an entry arrives between its reads and its marks", async () => {
    const { notifications } = db().repositories;
    const ann = userOf("ann");
    for (let minute = 0; minute < 3; minute++)
      await notifications.addForRecipients([ann], commentEvent(minute));
    // The new entry lands after the mark has read the counter, before its transaction.
    let arrived = false;
    const { doc } = db();
    const racing = new NotificationsRepository({
      ...db(),
      doc: {
        send: async (command: Parameters<typeof doc.send>[0]) => {
          if (!arrived && command instanceof TransactWriteCommand) {
            arrived = true;
            await notifications.addForRecipients([ann], commentEvent(50));
          }
          return doc.send(command);
        },
      } as typeof doc,
    });

    const newest = (await notifications.list(ann, {})).items[0]!.notificationId;
    expect(await racing.markRead(ann, { upTo: newest })).toBe(1);
    expect(await unreadEntries(ann)).toBe(1);
    expect((await notifications.list(ann, {})).unreadCount).toBe(1);
  });

  it("marks more entries than one transaction holds", async () => {
    const { notifications } = db().repositories;
    const ann = userOf("ann");
    for (let batch = 0; batch < 11; batch++) {
      await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          notifications.addForRecipients([ann], commentEvent(batch * 10 + i)),
        ),
      );
    }
    expect((await notifications.list(ann, {})).unreadCount).toBe(110);
    expect(await notifications.markRead(ann, { all: true })).toBe(0);
    expect(await unreadEntries(ann)).toBe(0);
  });

  it("removes a member's whole feed and counter, in chunks, leaving others' alone", async () => {
    const { notifications } = db().repositories;
    const [ann, cat] = [userOf("ann"), userOf("cat")];
    await Promise.all(
      Array.from({ length: 30 }, (_, minute) => notifications.addForRecipients([ann], commentEvent(minute))),
    );
    await notifications.addForRecipients([cat], commentEvent(1));

    expect(await notifications.removeAllForUser(ann)).toBe(30);
    expect(await rawItems(ann)).toEqual([]);
    expect((await notifications.list(ann, {})).unreadCount).toBe(0);
    expect((await notifications.list(cat, {})).items).toHaveLength(1);
    expect(await notifications.removeAllForUser(ann)).toBe(0);
  });
});
