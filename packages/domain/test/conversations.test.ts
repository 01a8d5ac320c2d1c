import { QueryCommand } from "@aws-sdk/lib-dynamodb";
import { describe, expect, it } from "vitest";
import { InvalidInputError, NotFoundError } from "../src/errors.js";
import { createRepositories } from "../src/repositories/index.js";
import { directConversationId } from "../src/rules/conversations.js";
import { useTestDatabase } from "./helpers.js";

const db = useTestDatabase("conversations");

const send = (conversationId: string, senderId: string, messageText: string) =>
  db().repositories.conversations.sendMessage({
    conversationId,
    senderId,
    senderName: senderId,
    messageText,
    attachments: [],
  });

describe("ConversationsRepository", () => {
  it("creates a direct conversation once; starting it again reuses it", async () => {
    const { conversations } = db().repositories;
    const conversationId = directConversationId("ann", "bob");
    const conversation = {
      conversationId,
      conversationType: "direct" as const,
      participantIds: ["ann", "bob"],
      title: null,
    };
    expect(await conversations.create(conversation)).toBe(true);
    expect(await conversations.create(conversation)).toBe(false);
    expect(await conversations.isParticipant("ann", conversationId)).toBe(true);
    expect(await conversations.isParticipant("bob", conversationId)).toBe(true);
    expect(await conversations.isParticipant("eve", conversationId)).toBe(false);
  });

  it("raises others' unread counts with each message, not the sender's, and resets on read", async () => {
    const { conversations } = db().repositories;
    const conversationId = "group-1";
    await conversations.create({
      conversationId,
      conversationType: "group",
      participantIds: ["ann", "bob", "cat"],
      title: "Cousins",
    });
    await send(conversationId, "ann", "hello");
    await send(conversationId, "bob", "hi ann");
    const last = await send(conversationId, "ann", "photos from grandma's attic coming soon");
    const unread = async (userId: string) =>
      (await conversations.getMembership(userId, conversationId))?.unreadCount;
    expect([await unread("ann"), await unread("bob"), await unread("cat")]).toEqual([1, 2, 3]);
    const cat = await conversations.getMembership("cat", conversationId);
    expect(cat).toMatchObject({
      lastMessageAt: last.createdAt,
      lastMessageSenderId: "ann",
      title: "Cousins",
    });
    expect(cat?.lastMessagePreview).toBe("photos from grandma's attic coming soon");

    expect((await conversations.markRead("cat", conversationId)).unreadCount).toBe(0);
    expect(await unread("cat")).toBe(0);
    await expect(conversations.markRead("eve", conversationId)).rejects.toBeInstanceOf(NotFoundError);
    await expect(send(conversationId, "eve", "let me in")).rejects.toBeInstanceOf(NotFoundError);
  });

  it("counts exactly under 50 concurrent messages", async () => {
    const { conversations } = db().repositories;
    const conversationId = "busy";
    await conversations.create({
      conversationId,
      conversationType: "group",
      participantIds: ["ann", "bob", "cat"],
      title: null,
    });
    await Promise.all(Array.from({ length: 50 }, (_, i) => send(conversationId, "ann", `message ${i}`)));
    expect((await conversations.getMembership("bob", conversationId))?.unreadCount).toBe(50);
    expect((await conversations.getMembership("cat", conversationId))?.unreadCount).toBe(50);
    expect((await conversations.getMembership("ann", conversationId))?.unreadCount).toBe(0);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await conversations.listMessages(conversationId, { limit: 20, cursor });
      seen.push(...page.items.map((m) => m.messageId));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toHaveLength(50);
    expect(seen).toEqual([...seen].sort().reverse());
  });

  it("lists a user's conversations most recent first, and rejects a foreign cursor", async () => {
    const { conversations } = db().repositories;
    for (const id of ["c1", "c2", "c3"]) {
      await conversations.create({
        conversationId: id,
        conversationType: "group",
        participantIds: ["lee", "max"],
        title: id,
      });
    }
    await send("c2", "max", "newest in c2");
    await send("c1", "max", "newest of all");
    const first = await conversations.listConversations("lee", { limit: 2 });
    expect(first.items.map((c) => c.conversationId)).toEqual(["c1", "c2"]);
    const second = await conversations.listConversations("lee", { limit: 2, cursor: first.nextCursor });
    expect(second.items.map((c) => c.conversationId)).toEqual(["c3"]);
    await expect(
      conversations.listConversations("max", { limit: 2, cursor: first.nextCursor }),
    ).rejects.toBeInstanceOf(InvalidInputError);
    await expect(
      conversations.listMessages("c1", { limit: 2, cursor: first.nextCursor }),
    ).rejects.toBeInstanceOf(InvalidInputError);
  });

  it("starts a conversation and its first message together, appending when it exists", async () => {
    const { conversations } = db().repositories;
    const conversationId = directConversationId("kim", "lou");
    const direct = {
      conversationId,
      conversationType: "direct" as const,
      participantIds: ["kim", "lou"],
      title: null,
    };
    const first = { senderId: "kim", senderName: "Kim", messageText: "hi Lou", attachments: [] };
    const started = await conversations.start(direct, first);
    expect(started.created).toBe(true);
    expect(await conversations.getMembership("lou", conversationId)).toMatchObject({
      unreadCount: 1,
      lastMessagePreview: "hi Lou",
      lastMessageSenderId: "kim",
      lastMessageAt: started.message.createdAt,
    });
    expect((await conversations.getMembership("kim", conversationId))?.unreadCount).toBe(0);

    // Both start the same direct conversation at the same moment: one conversation, both messages.
    const again = await Promise.all([
      conversations.start(direct, { ...first, messageText: "again" }),
      conversations.start(direct, { ...first, senderId: "lou", senderName: "Lou", messageText: "hey" }),
    ]);
    expect(again.map((r) => r.created)).toEqual([false, false]);
    const page = await conversations.listMessages(conversationId, { limit: 10 });
    expect(page.items.map((m) => m.messageText).sort()).toEqual(["again", "hey", "hi Lou"]);
    expect((await conversations.getMembership("lou", conversationId))?.unreadCount).toBe(2);
    expect((await conversations.getMembership("kim", conversationId))?.unreadCount).toBe(1);

    await expect(
      conversations.start({ ...direct, conversationId: "x" }, { ...first, senderId: "eve" }),
    ).rejects.toBeInstanceOf(InvalidInputError);
  });

  it("leaves no conversation behind when its first message cannot be stored", async () => {
    const { doc, tables, cursors } = db();
    // A Messages table that does not exist makes the message's part of the transaction fail.
    const broken = createRepositories({
      doc,
      cursors,
      tables: { ...tables, Messages: `${tables.Messages}-missing` },
    }).conversations;
    await expect(
      broken.start(
        {
          conversationId: "grp_doomed",
          conversationType: "group",
          participantIds: ["a", "b", "c"],
          title: null,
        },
        { senderId: "a", senderName: "A", messageText: "hello", attachments: [] },
      ),
    ).rejects.toThrow();
    for (const userId of ["a", "b", "c"]) {
      const rows = await doc.send(
        new QueryCommand({
          TableName: tables.ConversationMembers,
          KeyConditionExpression: "userId = :u",
          ExpressionAttributeValues: { ":u": userId },
          ConsistentRead: true,
        }),
      );
      expect(rows.Items ?? []).toEqual([]);
    }
  });
});

// Leaving under concurrency, and messages sent while someone leaves.
describe("ConversationsRepository.leaveGroup", () => {
  it("keeps every remaining member's participantIds exact when several leave at once", async () => {
    const { conversations } = db().repositories;
    const conversationId = "group-leavers";
    const members = ["m1", "m2", "m3", "m4", "m5", "m6"];
    await conversations.create({
      conversationId,
      conversationType: "group",
      participantIds: members,
      title: null,
    });
    await Promise.all(["m2", "m4", "m5"].map((userId) => conversations.leaveGroup(userId, conversationId)));
    for (const userId of ["m1", "m3", "m6"]) {
      expect((await conversations.getMembership(userId, conversationId))?.participantIds).toEqual([
        "m1",
        "m3",
        "m6",
      ]);
    }
    for (const userId of ["m2", "m4", "m5"])
      expect(await conversations.isParticipant(userId, conversationId)).toBe(false);
    await expect(conversations.leaveGroup("m2", conversationId)).rejects.toBeInstanceOf(NotFoundError);
  });

  it("delivers a message sent while someone leaves to exactly those still in the group", async () => {
    const { conversations } = db().repositories;
    const conversationId = "group-send-while-leaving";
    await conversations.create({
      conversationId,
      conversationType: "group",
      participantIds: ["s1", "s2", "s3"],
      title: null,
    });
    await Promise.all([
      send(conversationId, "s1", "still here?"),
      conversations.leaveGroup("s3", conversationId),
    ]);
    expect((await conversations.getMembership("s2", conversationId))?.unreadCount).toBe(1);
    expect(await conversations.isParticipant("s3", conversationId)).toBe(false);
  });

  it("refuses to leave a direct conversation (it can only be hidden)", async () => {
    const { conversations } = db().repositories;
    const conversationId = directConversationId("dx", "dy");
    await conversations.create({
      conversationId,
      conversationType: "direct",
      participantIds: ["dx", "dy"],
      title: null,
    });
    await expect(conversations.leaveGroup("dx", conversationId)).rejects.toBeInstanceOf(InvalidInputError);
  });
});
