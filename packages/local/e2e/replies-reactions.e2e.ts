import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { readOutputs } from "../src/outputs.js";
import { Outside, type User } from "./client.js";
import { PushSocket } from "./push-socket.js";

/**
 * Conversations on a letter, from outside: Ada comments, Ben replies, Cy answers Ben's reply
 * in the same thread; the item lists Ada's comment with its replies in order and the replies
 * route pages the thread. Dee reacts with love, then laughs instead: the counts by kind stay
 * exact, each member sees their own reaction, and Ada hears of the love once, by its kind.
 * Ada follows the item on a WebSocket and sees the replies and the counts arrive.
 */
const outputs = readOutputs(inject("outputsFile"));
const outside = new Outside(outputs);
const PUSH_TIMEOUT_MS = 15_000;
const itemId = `/e2e/${outside.runId}/letters/1962-03-04`;
const itemPath = `/comments/${encodeURIComponent(itemId)}`;
const NO_COUNTS = { like: 0, love: 0, laugh: 0, wow: 0, sad: 0 };

let ada: User;
let ben: User;
let cy: User;
let dee: User;
let adaSocket: PushSocket;
let adaComment: string;
let benReply: string;
let cyReply: string;

interface CommentView {
  commentId: string;
  userId: string;
  commentText: string;
  replyTo: string | null;
  threadId: string | null;
  replyCount: number;
  reactionCount: number;
  reactionCounts: Record<string, number>;
  viewerHasReacted: boolean;
  viewerReaction: string | null;
  replies?: CommentView[];
}
type CommentPage = { comments: CommentView[]; nextCursor: string | null };

async function post(as: User, commentText: string, replyTo?: string): Promise<CommentView> {
  const response = await outside.call<CommentView>("POST", itemPath, {
    as,
    body: { commentText, itemTitle: "Letter of 4 March 1962", ...(replyTo ? { replyTo } : {}) },
  });
  expect(response.status).toBe(201);
  return response.body;
}

const react = (as: User, commentId: string, kind: string) =>
  outside.call<{
    liked: boolean;
    viewerReaction: string | null;
    reactionCount: number;
    reactionCounts: Record<string, number>;
  }>("POST", `/reactions/${encodeURIComponent(commentId)}`, { as, body: { kind } });

beforeAll(async () => {
  [ada, ben, cy, dee] = await Promise.all([
    outside.signUp("Ada", ["ApprovedUsers"]),
    outside.signUp("Ben", ["ApprovedUsers"]),
    outside.signUp("Cy", ["ApprovedUsers"]),
    outside.signUp("Dee", ["ApprovedUsers"]),
  ]);
  for (const user of [ada, ben, cy, dee]) {
    const saved = await outside.call("PUT", "/profile", { as: user, body: { displayName: user.name } });
    expect(saved.status).toBe(200);
  }
  if (!outputs.WebSocketUrl) throw new Error("The outputs have no WebSocketUrl");
  adaSocket = await PushSocket.open(outputs.WebSocketUrl, ada.token);
  const subscribed = await adaSocket.request(
    { action: "subscribe", itemId },
    "subscribed",
    (f) => f.type === "subscribed",
  );
  expect(subscribed).toMatchObject({ itemId });
});

afterAll(async () => {
  await adaSocket?.close();
  outside.cognito.destroy();
});

describe("replies", () => {
  it("threads Ben's reply and Cy's answer to it under Ada's comment", async () => {
    adaComment = (await post(ada, "Does anyone know who wrote this letter?")).commentId;
    const benPosted = await post(ben, "Great-uncle Walter, I think", adaComment);
    benReply = benPosted.commentId;
    expect(benPosted).toMatchObject({ replyTo: adaComment, threadId: adaComment, replyCount: 0 });
    const cyPosted = await post(cy, "Yes, that is Walter's hand", benReply);
    cyReply = cyPosted.commentId;
    // Two levels: Cy answers Ben, in Ada's thread.
    expect(cyPosted).toMatchObject({ replyTo: benReply, threadId: adaComment });

    // Ada, following the item, sees both replies arrive with where they belong.
    for (const [reply, replyTo] of [
      [benReply, adaComment],
      [cyReply, benReply],
    ] as const) {
      const pushed = await adaSocket.next<{ itemId: string; comment: CommentView }>(
        `comment.created for ${reply}`,
        (f) => f.type === "comment.created" && (f.comment as { commentId?: string })?.commentId === reply,
        PUSH_TIMEOUT_MS,
      );
      expect(pushed).toMatchObject({ itemId, comment: { replyTo, threadId: adaComment } });
    }
  });

  it("lists Ada's comment with replyCount 2 and both replies in order, and pages the thread", async () => {
    const page = await outside.call<CommentPage>("GET", itemPath, { as: dee });
    expect(page.status).toBe(200);
    expect(page.body.comments.map((c) => c.commentId)).toEqual([adaComment]);
    const [top] = page.body.comments;
    expect(top).toMatchObject({ replyCount: 2, threadId: null, replyTo: null });
    expect(top?.replies?.map((r) => [r.commentId, r.userId, r.replyTo])).toEqual([
      [benReply, ben.userId, adaComment],
      [cyReply, cy.userId, benReply],
    ]);

    const repliesPath = `${itemPath}/${encodeURIComponent(adaComment)}/replies`;
    const first = await outside.call<CommentPage>("GET", `${repliesPath}?limit=1`, { as: dee });
    expect(first.status).toBe(200);
    expect(first.body.comments.map((c) => c.commentId)).toEqual([benReply]);
    const second = await outside.call<CommentPage>(
      "GET",
      `${repliesPath}?limit=1&cursor=${encodeURIComponent(first.body.nextCursor ?? "")}`,
      { as: dee },
    );
    expect(second.body.comments.map((c) => c.commentId)).toEqual([cyReply]);
    const third = second.body.nextCursor
      ? await outside.call<CommentPage>(
          "GET",
          `${repliesPath}?limit=1&cursor=${encodeURIComponent(second.body.nextCursor)}`,
          { as: dee },
        )
      : undefined;
    expect(third?.body.comments ?? []).toEqual([]);
  });

  it("refuses a reply to a comment of another item (400) and to one that does not exist (404)", async () => {
    const elsewhere = await outside.call<CommentView>(
      "POST",
      `/comments/${encodeURIComponent(`${itemId}/envelope`)}`,
      {
        as: ben,
        body: { commentText: "The envelope" },
      },
    );
    const crossed = await outside.call("POST", itemPath, {
      as: cy,
      body: { commentText: "Wrong place", replyTo: elsewhere.body.commentId },
    });
    expect(crossed.status).toBe(400);
    const missing = await outside.call("POST", itemPath, {
      as: cy,
      body: { commentText: "To nobody", replyTo: "01JZZZZZZZZZZZZZZZZZZZZZZZ" },
    });
    expect(missing.status).toBe(404);
  });
});

describe("reactions by kind", () => {
  it("counts Dee's love, then her laugh instead, exactly by kind, with her own reaction shown to her", async () => {
    const loved = await react(dee, adaComment, "love");
    expect(loved.status).toBe(200);
    expect(loved.body).toEqual({
      liked: true,
      viewerReaction: "love",
      reactionCount: 1,
      reactionCounts: { ...NO_COUNTS, love: 1 },
    });
    const pushedLove = await adaSocket.next<{
      commentId: string;
      reactionCount: number;
      reactionCounts: Record<string, number>;
    }>(
      "reaction.changed for the love",
      (f) => f.type === "reaction.changed" && f.commentId === adaComment,
      PUSH_TIMEOUT_MS,
    );
    expect(pushedLove).toMatchObject({ reactionCount: 1, reactionCounts: { ...NO_COUNTS, love: 1 } });

    const laughed = await react(dee, adaComment, "laugh");
    expect(laughed.body).toEqual({
      liked: true,
      viewerReaction: "laugh",
      reactionCount: 1,
      reactionCounts: { ...NO_COUNTS, laugh: 1 },
    });
    // A switch of kind leaves the total as it was; the push carries the counts by kind.
    const pushedLaugh = await adaSocket.next<{
      reactionCount: number;
      reactionCounts: Record<string, number>;
    }>(
      "reaction.changed for the switch to laugh",
      (f) =>
        f.type === "reaction.changed" &&
        f.commentId === adaComment &&
        (f.reactionCounts as Record<string, number>)?.laugh === 1,
      PUSH_TIMEOUT_MS,
    );
    expect(pushedLaugh).toMatchObject({ reactionCount: 1, reactionCounts: { ...NO_COUNTS, laugh: 1 } });

    const asDee = await outside.call<CommentPage>("GET", itemPath, { as: dee });
    expect(asDee.body.comments[0]).toMatchObject({
      reactionCount: 1,
      reactionCounts: { ...NO_COUNTS, laugh: 1 },
      viewerHasReacted: true,
      viewerReaction: "laugh",
    });
    const asCy = await outside.call<CommentPage>("GET", itemPath, { as: cy });
    expect(asCy.body.comments[0]).toMatchObject({ viewerHasReacted: false, viewerReaction: null });
  });

  it("reacts to a reply as to a comment, shown on the reply in the item's list", async () => {
    expect((await react(dee, cyReply, "wow")).body).toMatchObject({
      reactionCounts: { ...NO_COUNTS, wow: 1 },
    });
    const asDee = await outside.call<CommentPage>("GET", itemPath, { as: dee });
    expect(asDee.body.comments[0]?.replies?.[1]).toMatchObject({
      commentId: cyReply,
      reactionCount: 1,
      viewerReaction: "wow",
    });
  });

  it("tells Ada of Dee's reaction once, naming its kind, in her feed and by email; the switch tells nobody again", async () => {
    type Feed = {
      notifications: {
        kind: string;
        actor: { userId: string };
        commentId: string | null;
        reactionKind: string | null;
      }[];
    };
    const fromDee = (feed: Feed) =>
      feed.notifications.filter(
        (n) => n.kind === "reaction" && n.actor.userId === dee.userId && n.commentId === adaComment,
      );
    const feed = await outside.eventually("Ada's feed to hold Dee's reaction", async () => {
      const current = await outside.call<Feed>("GET", "/notifications?limit=50", { as: ada });
      return fromDee(current.body).length > 0 && current.body;
    });
    const email = await outside.eventually("Ada's email about Dee's reaction", async () =>
      (await outside.inbox(ada.email)).find((mail) => mail.subject.includes("reacted")),
    );
    expect(email.subject).toContain("reacted ❤️ love to your comment");
    // The laugh came after (a switch): still the one entry, of the love it was written for.
    expect(fromDee(feed).map((n) => n.reactionKind)).toEqual(["love"]);
    const again = await outside.call<Feed>("GET", "/notifications?limit=50", { as: ada });
    expect(fromDee(again.body)).toHaveLength(1);
  });

  it("takes a POST with no body and no Content-Type as a like, as clients always sent it, and lists each kind", async () => {
    const liked = await outside.call<{ viewerReaction: string; reactionCounts: Record<string, number> }>(
      "POST",
      `/reactions/${encodeURIComponent(adaComment)}`,
      { as: ben },
    );
    expect(liked.status).toBe(200);
    expect(liked.body).toMatchObject({
      viewerReaction: "like",
      reactionCounts: { ...NO_COUNTS, like: 1, laugh: 1 },
    });
    const who = await outside.call<{ reactions: { userId: string; displayName: string; kind: string }[] }>(
      "GET",
      `/reactions/${encodeURIComponent(adaComment)}`,
      { as: cy },
    );
    expect(who.status).toBe(200);
    expect(who.body.reactions.map((r) => [r.userId, r.kind]).sort()).toEqual(
      [
        [ben.userId, "like"],
        [dee.userId, "laugh"],
      ].sort(),
    );
  });
});
