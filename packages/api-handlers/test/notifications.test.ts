import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { type TestUser, users, useTestApi } from "./helpers.js";

const api = useTestApi("notifications");

/** A member of their own, so tests sharing the tables never see each other's feed. */
const freshMember = (): TestUser => ({ ...users.alice, userId: `user-${randomUUID().slice(0, 8)}` });

/** `count` comment notifications for `user`, one minute apart, oldest first. */
async function notify(user: TestUser, count: number, from = 0): Promise<void> {
  for (let i = from; i < from + count; i++) {
    await api().db.repositories.notifications.addForRecipients([user.userId], {
      sourceEventId: randomUUID(),
      kind: "comment",
      actor: { userId: users.bob.userId, displayName: "Bob B" },
      itemId: "/2015/christmas",
      itemTitle: "Christmas 2015",
      commentId: `comment-${i}`,
      text: `Comment ${i}`,
      createdAt: new Date(Date.UTC(2026, 10, 30, 9, i)).toISOString(),
    });
  }
}

const feed = (caller: TestUser, query: Record<string, string> = {}) =>
  api().call("GET", "/notifications", { caller, query });
const markRead = (caller: TestUser, body: unknown) =>
  api().call("PUT", "/notifications/read", { caller, body });

describe("GET /notifications", () => {
  it("lists the caller's notifications newest first, a page at a time, with the exact unread count", async () => {
    const ann = freshMember();
    await notify(ann, 5);
    const first = await feed(ann, { limit: "2" });
    expect(first.status).toBe(200);
    expect(first.body.unreadCount).toBe(5);
    expect(first.body.notifications).toHaveLength(2);
    expect(first.body.notifications[0]).toEqual({
      notificationId: expect.stringMatching(/^2026-11-30T09:04:00\.000Z#[0-9a-f]{12}$/),
      kind: "comment",
      actor: { userId: users.bob.userId, displayName: "Bob B" },
      itemId: "/2015/christmas",
      itemTitle: "Christmas 2015",
      commentId: "comment-4",
      conversationId: null,
      preview: "Comment 4",
      reactionKind: null,
      createdAt: "2026-11-30T09:04:00.000Z",
      read: false,
    });
    const commentIds: string[] = [];
    let cursor: string | null = null;
    do {
      const page: Awaited<ReturnType<typeof feed>> = await feed(ann, {
        limit: "2",
        ...(cursor ? { cursor } : {}),
      });
      expect(page.status).toBe(200);
      commentIds.push(...page.body.notifications.map((n: { commentId: string }) => n.commentId));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(commentIds).toEqual(["comment-4", "comment-3", "comment-2", "comment-1", "comment-0"]);
  });

  it("shows an empty feed with a zero count to a member nothing happened to", async () => {
    const response = await feed(freshMember());
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ notifications: [], nextCursor: null, unreadCount: 0 });
  });

  it("refuses a bad limit or a cursor of another member's feed with 400", async () => {
    const [ann, cat] = [freshMember(), freshMember()];
    await notify(cat, 3);
    const catsPage = await feed(cat, { limit: "1" });
    expect((await feed(ann, { limit: "0" })).status).toBe(400);
    const foreign = await feed(ann, { cursor: catsPage.body.nextCursor });
    expect(foreign.status).toBe(400);
    expect(foreign.body.error.code).toBe("INVALID_INPUT");
  });

  it("is for members only", async () => {
    expect((await feed(users.stranger)).status).toBe(403);
    expect((await api().call("GET", "/notifications", { caller: null })).status).toBe(401);
  });
});

describe("PUT /notifications/read", () => {
  it("marks the given notification and every older one read, then all, answering the unread count", async () => {
    const ann = freshMember();
    await notify(ann, 4);
    const ids = (await feed(ann)).body.notifications.map((n: { notificationId: string }) => n.notificationId);

    const upTo = await markRead(ann, { upTo: ids[1] });
    expect(upTo.status).toBe(200);
    expect(upTo.body).toEqual({ unreadCount: 1 });
    const after = await feed(ann);
    expect(after.body.notifications.map((n: { read: boolean }) => n.read)).toEqual([false, true, true, true]);
    expect(after.body.unreadCount).toBe(1);

    await notify(ann, 1, 10);
    expect((await markRead(ann, { all: true })).body).toEqual({ unreadCount: 0 });
    expect((await feed(ann)).body.unreadCount).toBe(0);
  });

  it("answers 404 for an id that is not one of the caller's notifications, changing nothing", async () => {
    const [ann, cat] = [freshMember(), freshMember()];
    await notify(ann, 2);
    await notify(cat, 1);
    const catsId = (await feed(cat)).body.notifications[0].notificationId;
    const unknownId = "2026-11-30T09:00:00.000Z#0123456789ab";

    for (const upTo of [catsId, unknownId]) {
      const response = await markRead(ann, { upTo });
      expect(response.status).toBe(404);
      expect(response.body.error.code).toBe("NOT_FOUND");
    }
    expect((await feed(ann)).body.unreadCount).toBe(2);
    expect((await feed(cat)).body.unreadCount).toBe(1);
  });

  it("refuses a body that is neither {upTo} nor {all: true} with 400, echoing nothing, changing nothing", async () => {
    const ann = freshMember();
    await notify(ann, 1);
    const bodies = [
      {},
      { all: false },
      { all: "yes" },
      { upTo: "<script>not-an-id</script>" },
      { upTo: 42 },
      { upTo: "2026-11-30T09:00:00.000Z#0123456789ab", all: true },
      { all: true, extra: 1 },
      "not json",
    ];
    for (const body of bodies) {
      const response = await markRead(ann, body);
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(response.body.error.code).toBe("INVALID_INPUT");
      expect(response.body.error.message).not.toContain("script");
    }
    expect((await feed(ann)).body.unreadCount).toBe(1);
  });
});
