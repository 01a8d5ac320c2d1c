import { beforeAll, describe, expect, inject, it } from "vitest";
import { readOutputs } from "../src/outputs.js";
import { Outside, type User } from "./client.js";

/**
 * The in-app feed from outside: comments on an item someone commented on reach their
 * feed through the stream processor, with an exact unread count that marking read brings to 0.
 */
const outputs = readOutputs(inject("outputsFile"));
const outside = new Outside(outputs);
let ada: User;
let ben: User;

interface FeedEntry {
  notificationId: string;
  kind: string;
  actor: { userId: string; displayName: string };
  itemId: string | null;
  itemTitle: string | null;
  commentId: string | null;
  preview: string;
  read: boolean;
}
interface Feed {
  notifications: FeedEntry[];
  nextCursor: string | null;
  unreadCount: number;
}

const feedOf = async (as: User) => (await outside.call<Feed>("GET", "/notifications?limit=50", { as })).body;

beforeAll(async () => {
  [ada, ben] = await Promise.all([
    outside.signUp("Ada", ["ApprovedUsers"]),
    outside.signUp("Ben", ["ApprovedUsers"]),
  ]);
  for (const user of [ada, ben]) {
    const saved = await outside.call("PUT", "/profile", { as: user, body: { displayName: user.name } });
    expect(saved.status).toBe(200);
  }
});

describe("the notification feed", () => {
  it("lists the comments on an item the member commented on, newest first, with the exact unread count", async () => {
    const itemId = `/1962/letters-${Date.now()}`;
    const itemPath = encodeURIComponent(itemId);
    const first = await outside.call("POST", `/comments/${itemPath}`, {
      as: ada,
      body: { commentText: "Grandpa's handwriting!", itemTitle: "Letters, 1962" },
    });
    expect(first.status).toBe(201);
    const texts = ["I remember this one", "Look at the stamp", "<b>Third</b> comment"];
    const commentIds: string[] = [];
    for (const commentText of texts) {
      const posted = await outside.call<{ commentId: string }>("POST", `/comments/${itemPath}`, {
        as: ben,
        body: { commentText, itemTitle: "Letters, 1962" },
      });
      expect(posted.status).toBe(201);
      commentIds.push(posted.body.commentId);
    }

    const feed = await outside.eventually("Ada's feed to list Ben's three comments", async () => {
      const current = await feedOf(ada);
      return current.notifications.filter((n) => n.itemId === itemId).length === 3 && current;
    });
    const entries = feed.notifications.filter((n) => n.itemId === itemId);
    expect(feed.unreadCount).toBe(3);
    expect(entries.map((n) => n.commentId)).toEqual([...commentIds].reverse());
    expect(entries.map((n) => n.preview)).toEqual([
      "Third comment",
      "Look at the stamp",
      "I remember this one",
    ]);
    expect(entries.every((n) => n.kind === "comment" && !n.read && n.itemTitle === "Letters, 1962")).toBe(
      true,
    );
    expect(entries[0]?.actor).toEqual({ userId: ben.userId, displayName: "Ben" });
    // Ben wrote them: his own feed has none of them.
    expect((await feedOf(ben)).notifications.filter((n) => n.itemId === itemId)).toEqual([]);

    const marked = await outside.call<{ unreadCount: number }>("PUT", "/notifications/read", {
      as: ada,
      body: { upTo: entries[0]!.notificationId },
    });
    expect(marked.status).toBe(200);
    expect(marked.body).toEqual({ unreadCount: 0 });
    const after = await feedOf(ada);
    expect(after.unreadCount).toBe(0);
    expect(after.notifications.every((n) => n.read)).toBe(true);
  });

  it("refuses a bad mark-read body with 400 and another member's notification with 404", async () => {
    const bad = await outside.call("PUT", "/notifications/read", { as: ada, body: { all: false } });
    expect(bad.status).toBe(400);
    const unknown = await outside.call("PUT", "/notifications/read", {
      as: ben,
      body: { upTo: "2026-01-01T00:00:00.000Z#0123456789ab" },
    });
    expect(unknown.status).toBe(404);
  });
});
