import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { readOutputs } from "../src/outputs.js";
import { Outside, type User } from "./client.js";
import { PushSocket } from "./push-socket.js";

/**
 * Realtime from outside: members connect to the WebSocket API with their ID token, and what
 * others do through REST arrives as pushes — a message, the conversation's update, a comment
 * on an item they follow. Refused handshakes store nothing; bad messages get an error reply
 * and the connection stays open. Every wait for a push is bounded.
 */
const outputs = readOutputs(inject("outputsFile"));
const outside = new Outside(outputs);
const PUSH_TIMEOUT_MS = 15_000;
let ada: User;
let ben: User;
let pending: User;
let adaSocket: PushSocket;
let benSocket: PushSocket;
let conversationId: string;
const itemId = `/e2e/realtime-${outside.runId}/summer picnic`;

function webSocketUrl(): string {
  if (!outputs.WebSocketUrl) throw new Error("The outputs have no WebSocketUrl");
  return outputs.WebSocketUrl;
}

beforeAll(async () => {
  [ada, ben, pending] = await Promise.all([
    outside.signUp("RtAda", ["ApprovedUsers"]),
    outside.signUp("RtBen", ["ApprovedUsers"]),
    outside.signUp("RtPending", []),
  ]);
  for (const user of [ada, ben]) {
    const saved = await outside.call("PUT", "/profile", { as: user, body: { displayName: user.name } });
    expect(saved.status).toBe(200);
  }
});

afterAll(async () => {
  await Promise.all([adaSocket?.close(), benSocket?.close()]);
  outside.cognito.destroy();
});

describe("the handshake", () => {
  it("refuses a connection without a token (401)", async () => {
    expect(await PushSocket.refusal(webSocketUrl(), undefined)).toBe(401);
  });

  it("refuses a forged token, and an access token instead of an ID token (403)", async () => {
    const [header, payload, signature] = ada.token.split(".");
    // Ada's claims, re-signed by nobody: the signature no longer matches.
    const forged = `${header}.${payload}.${signature!.slice(0, -4)}${signature!.endsWith("AAAA") ? "BBBB" : "AAAA"}`;
    expect(await PushSocket.refusal(webSocketUrl(), forged)).toBe(403);
    expect(await PushSocket.refusal(webSocketUrl(), "not-a-token")).toBe(403);
    expect(await PushSocket.refusal(webSocketUrl(), ada.accessToken)).toBe(403);
  });

  it("refuses someone signed in who is not a member yet (403)", async () => {
    expect(await PushSocket.refusal(webSocketUrl(), pending.token)).toBe(403);
  });

  it("lets two members in", async () => {
    [adaSocket, benSocket] = await Promise.all([
      PushSocket.open(webSocketUrl(), ada.token),
      PushSocket.open(webSocketUrl(), ben.token),
    ]);
    expect(adaSocket.isOpen && benSocket.isOpen).toBe(true);
  });
});

describe("client messages", () => {
  it("answers ping with pong", async () => {
    const pong = await benSocket.request({ action: "ping" }, "pong", (frame) => frame.type === "pong");
    expect(pong.type).toBe("pong");
  });

  it("answers bad and unknown messages with an error and keeps the connection open", async () => {
    const notJson = await benSocket.request("hello?", "an error for non-JSON", (f) => f.type === "error");
    expect(notJson).toMatchObject({ type: "error", code: expect.any(String), message: expect.any(String) });
    const unknown = await benSocket.request(
      { action: "dance" },
      "an error for an unknown action",
      (f) => f.type === "error" && f !== notJson,
    );
    expect(unknown.code).toBe("unknown_action");
    const noItem = await benSocket.request(
      { action: "subscribe" },
      "an error for a subscribe without itemId",
      (f) => f.type === "error",
    );
    expect(noItem.code).toBe("bad_request");
    expect(benSocket.isOpen).toBe(true);
    expect((await benSocket.request({ action: "ping" }, "pong", (f) => f.type === "pong")).type).toBe("pong");
  });
});

describe("pushes", () => {
  it("pushes a message to the other participant and the conversation's update to both", async () => {
    const started = await outside.call<{ conversationId: string }>("POST", "/messages/conversations", {
      as: ada,
      body: { participantIds: [ben.userId], messageText: "Are you coming to the picnic?" },
    });
    expect(started.status).toBe(201);
    conversationId = started.body.conversationId;
    const sent = await outside.call<{ messageId: string; messageText: string }>(
      "POST",
      `/messages/conversations/${encodeURIComponent(conversationId)}`,
      { as: ada, body: { messageText: "Bring the old photos!" } },
    );
    expect(sent.status).toBe(201);
    const { messageId } = sent.body;

    const created = await benSocket.next<{ conversationId: string; message: Record<string, unknown> }>(
      "message.created for Ada's message",
      (f) => f.type === "message.created" && (f.message as { messageId?: string })?.messageId === messageId,
      PUSH_TIMEOUT_MS,
    );
    expect(created.conversationId).toBe(conversationId);
    // The message as the REST API shows it to Ben.
    const listed = await outside.call<{ messages: Array<Record<string, unknown>> }>(
      "GET",
      `/messages/conversations/${encodeURIComponent(conversationId)}?limit=5`,
      { as: ben },
    );
    expect(created.message).toEqual(listed.body.messages.find((m) => m.messageId === messageId));

    const forBen = await benSocket.next<Record<string, unknown>>(
      "conversation.updated for Ben",
      (f) => f.type === "conversation.updated" && f.lastMessagePreview === "Bring the old photos!",
      PUSH_TIMEOUT_MS,
    );
    expect(forBen).toMatchObject({ conversationId, unreadCount: 2, lastMessageAt: expect.any(String) });
    const forAda = await adaSocket.next<Record<string, unknown>>(
      "conversation.updated for Ada",
      (f) => f.type === "conversation.updated" && f.lastMessagePreview === "Bring the old photos!",
      PUSH_TIMEOUT_MS,
    );
    expect(forAda).toMatchObject({ conversationId, unreadCount: 0 });
    // The sender's own connections get the update, never their message back.
    const echoed = adaSocket.frames.some(
      (frame) =>
        (frame.data as { type?: string }).type === "message.created" &&
        (frame.data as { message?: { messageId?: string } }).message?.messageId === messageId,
    );
    expect(echoed).toBe(false);
  });

  it("pushes a comment on an item to a member who subscribed to it", async () => {
    const subscribed = await benSocket.request(
      { action: "subscribe", itemId },
      "subscribed",
      (f) => f.type === "subscribed",
    );
    expect(subscribed).toMatchObject({ itemId, subscriptions: [itemId] });
    const posted = await outside.call<{ commentId: string; commentText: string }>(
      "POST",
      `/comments/${encodeURIComponent(itemId)}`,
      { as: ada, body: { commentText: "Who took this one?", itemTitle: "Summer picnic" } },
    );
    expect(posted.status).toBe(201);
    const pushed = await benSocket.next<{ itemId: string; comment: Record<string, unknown> }>(
      "comment.created for Ada's comment",
      (f) =>
        f.type === "comment.created" &&
        (f.comment as { commentId?: string })?.commentId === posted.body.commentId,
      PUSH_TIMEOUT_MS,
    );
    expect(pushed.itemId).toBe(itemId);
    expect(pushed.comment).toMatchObject({ commentText: "Who took this one?", userId: ada.userId });
  });

  it("stops pushing an item's comments to a connection that unsubscribed, not to another that follows it", async () => {
    const other = await PushSocket.open(webSocketUrl(), ben.token);
    try {
      await other.request({ action: "subscribe", itemId }, "subscribed", (f) => f.type === "subscribed");
      const unsubscribed = await benSocket.request(
        { action: "unsubscribe", itemId },
        "unsubscribed",
        (f) => f.type === "unsubscribed",
      );
      expect(unsubscribed).toMatchObject({ itemId, subscriptions: [] });
      const posted = await outside.call<{ commentId: string }>(
        "POST",
        `/comments/${encodeURIComponent(itemId)}`,
        {
          as: ada,
          body: { commentText: "Aunt Meg, I think", itemTitle: "Summer picnic" },
        },
      );
      expect(posted.status).toBe(201);
      const isIt = (f: Record<string, unknown>) =>
        f.type === "comment.created" &&
        (f.comment as { commentId?: string })?.commentId === posted.body.commentId;
      await other.next("comment.created on the still-subscribed connection", isIt, PUSH_TIMEOUT_MS);
      // Both connections are served by the same fanout of that record: one got it, the other not.
      expect(benSocket.frames.some((frame) => isIt(frame.data as Record<string, unknown>))).toBe(false);
    } finally {
      await other.close();
    }
  });
});

describe("one member's connections", () => {
  it("refuses a sixth open connection of one member (429) and lets one in again once another closed", async () => {
    const many = await outside.signUp("RtMany", ["ApprovedUsers"]);
    const open: PushSocket[] = [];
    try {
      for (let i = 0; i < 5; i++) open.push(await PushSocket.open(webSocketUrl(), many.token));
      expect(await PushSocket.refusal(webSocketUrl(), many.token)).toBe(429);
      // The five stay open, and another member is not held back by them.
      expect(open.every((socket) => socket.isOpen)).toBe(true);
      expect(await PushSocket.refusal(webSocketUrl(), ben.token).catch((error: Error) => error.message)).toBe(
        "The handshake was accepted",
      );
      await open.shift()!.close();
      // Its $disconnect runs as the socket closes: the next handshake gets in within a bounded wait.
      const deadline = Date.now() + 10_000;
      for (;;) {
        try {
          open.push(await PushSocket.open(webSocketUrl(), many.token));
          break;
        } catch (error) {
          if (Date.now() > deadline) throw error;
          await new Promise((resolve) => setTimeout(resolve, 200));
        }
      }
    } finally {
      await Promise.all(open.map((socket) => socket.close()));
    }
  });
});
