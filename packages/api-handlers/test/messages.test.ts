import { createRepositories } from "@hearth/domain";
import { describe, expect, it } from "vitest";
import {
  collectPages,
  invoker,
  saveProfile,
  type TestUser,
  testDependencies,
  users,
  useTestApi,
} from "./helpers.js";
import { looksLikeMarkup, XSS_PAYLOADS } from "./xss.js";

const api = useTestApi("messages");

const dave: TestUser = {
  userId: "user-dave",
  email: "dave@example.org",
  name: "Dave D",
  groups: ["ApprovedUsers"],
};

async function ensureProfiles() {
  for (const user of [users.alice, users.bob, users.carol, dave, users.admin]) {
    await saveProfile(api().call, user);
  }
}

async function startConversation(
  caller: TestUser,
  participantIds: string[],
  messageText = "hello",
  title?: string,
) {
  const response = await api().call("POST", "/messages/conversations", {
    caller,
    body: { participantIds, messageText, ...(title ? { title } : {}) },
  });
  if (response.status !== 201) throw new Error(`Starting failed: ${response.raw.body}`);
  return response.body as { conversationId: string; participantIds: string[]; conversationType: string };
}

const send = (conversationId: string, body: unknown, caller: TestUser = users.alice) =>
  api().call("POST", "/messages/conversations/{conversationId}", {
    caller,
    pathParameters: { conversationId },
    body,
  });

const messagesOf = (
  conversationId: string,
  caller: TestUser = users.alice,
  query: Record<string, string> = {},
) =>
  api().call("GET", "/messages/conversations/{conversationId}", {
    caller,
    pathParameters: { conversationId },
    query,
  });

const markRead = (conversationId: string, caller: TestUser) =>
  api().call("PUT", "/messages/conversations/{conversationId}/read", {
    caller,
    pathParameters: { conversationId },
  });

async function conversationsOf(caller: TestUser) {
  const { items } = await collectPages<{ conversationId: string; unreadCount: number }>(
    api().call,
    "GET",
    "/messages/conversations",
    "conversations",
    { caller, limit: 100 },
  );
  return items;
}

async function unreadOf(caller: TestUser, conversationId: string): Promise<number | undefined> {
  return (await conversationsOf(caller)).find((c) => c.conversationId === conversationId)?.unreadCount;
}

describe("POST /messages/conversations", () => {
  it("starts a direct conversation with a deterministic URL-safe id, and appends when started again", async () => {
    await ensureProfiles();
    const response = await api().call("POST", "/messages/conversations", {
      caller: users.alice,
      body: { participantIds: [users.bob.userId], messageText: "Hi Bob" },
    });
    expect(response.status).toBe(201);
    expect(response.body).toEqual({
      conversationId: expect.stringMatching(/^[A-Za-z0-9_-]+$/),
      conversationType: "direct",
      participantIds: [users.alice.userId, users.bob.userId].sort(),
      participants: [users.alice, users.bob]
        .sort((a, b) => a.userId.localeCompare(b.userId))
        .map((user) => ({ userId: user.userId, displayName: user.name, profilePhotoUrl: null })),
      title: null,
      message: {
        conversationId: response.body.conversationId,
        messageId: expect.any(String),
        senderId: users.alice.userId,
        senderName: users.alice.name,
        messageText: "Hi Bob",
        attachments: [],
        createdAt: expect.any(String),
        deleted: false,
        deletedAt: null,
        mentions: [],
      },
    });
    const again = await startConversation(users.bob, [users.alice.userId, users.bob.userId], "Hi Alice");
    expect(again.conversationId).toBe(response.body.conversationId);
    const messages = await messagesOf(again.conversationId);
    expect(messages.body.messages.map((m: { messageText: string }) => m.messageText)).toEqual([
      "Hi Alice",
      "Hi Bob",
    ]);
  });

  it("starts a group conversation for three or more people, adding the caller", async () => {
    await ensureProfiles();
    const group = await startConversation(
      users.alice,
      [users.bob.userId, users.carol.userId],
      "Hi all",
      "Cousins",
    );
    expect(group.conversationType).toBe("group");
    expect(group.conversationId).toMatch(/^grp_[A-Za-z0-9_-]+$/);
    expect([...group.participantIds].sort()).toEqual([
      users.alice.userId,
      users.bob.userId,
      users.carol.userId,
    ]);
    const second = await startConversation(users.alice, [users.bob.userId, users.carol.userId]);
    expect(second.conversationId).not.toBe(group.conversationId);
    for (const member of [users.bob, users.carol])
      expect(await unreadOf(member, group.conversationId)).toBe(1);
    expect(await unreadOf(users.alice, group.conversationId)).toBe(0);
  });

  it.each([
    ["only the caller", { participantIds: [users.alice.userId], messageText: "me" }],
    ["no participants", { participantIds: [], messageText: "x" }],
    ["an unknown participant", { participantIds: [users.bob.userId, "user-ghost"], messageText: "x" }],
    [
      "51 participants",
      { participantIds: Array.from({ length: 51 }, (_, i) => `user-many-${i}`), messageText: "x" },
    ],
    ["participants as a string", { participantIds: users.bob.userId, messageText: "x" }],
    ["no message", { participantIds: [users.bob.userId] }],
    ["an empty message", { participantIds: [users.bob.userId], messageText: "  " }],
    ["5001 characters", { participantIds: [users.bob.userId], messageText: "m".repeat(5001) }],
    ["an unknown field", { participantIds: [users.bob.userId], messageText: "x", attachments: [] }],
  ])("refuses %s with 400 and creates nothing", async (_, body) => {
    await ensureProfiles();
    const before = await conversationsOf(users.alice);
    const response = await api().call("POST", "/messages/conversations", { caller: users.alice, body });
    expect(response.status).toBe(400);
    expect(await conversationsOf(users.alice)).toEqual(before);
  });

  it("refuses a participant who is not a member now with 400 naming their position, and creates nothing", async () => {
    await ensureProfiles();
    const { db } = api();
    // Signed in once and waits for approval: a profile, marked pending.
    await db.repositories.profiles.ensureOnSignIn("user-waiting", { displayName: "Wendy", isMember: false });
    // Was a member, then taken out of the groups (seen at their next sign-in).
    await db.repositories.profiles.ensureOnSignIn("user-let-out", { displayName: "Lou", isMember: true });
    await db.repositories.profiles.ensureOnSignIn("user-let-out", { displayName: "Lou", isMember: false });
    const before = await conversationsOf(users.alice);
    const direct = await api().call("POST", "/messages/conversations", {
      caller: users.alice,
      body: { participantIds: ["user-waiting"], messageText: "Welcome!" },
    });
    expect(direct.status).toBe(400);
    expect(direct.body.error).toEqual({
      code: "INVALID_INPUT",
      message: "participantIds[0] is not a member of the family archive",
    });
    const group = await api().call("POST", "/messages/conversations", {
      caller: users.alice,
      body: { participantIds: [users.bob.userId, "user-let-out", dave.userId], messageText: "Hi all" },
    });
    expect(group.status).toBe(400);
    expect(group.body.error.message).toBe("participantIds[1] is not a member of the family archive");
    expect(await conversationsOf(users.alice)).toEqual(before);
    for (const outsider of ["user-waiting", "user-let-out"]) {
      const theirs = await db.repositories.conversations.listConversations(outsider, { limit: 10 });
      expect(theirs.items).toEqual([]);
    }
  });

  it("leaves no conversation behind when the first message cannot be stored (500)", async () => {
    await ensureProfiles();
    const { db } = api();
    // A Messages table that does not exist: the message's part of the start fails for real.
    const repositories = createRepositories({
      doc: db.doc,
      cursors: db.cursors,
      tables: { ...db.tables, Messages: `${db.tables.Messages}-missing` },
    });
    const brokenCall = invoker(testDependencies(db, { repositories }));
    const before = await conversationsOf(users.carol);
    const response = await brokenCall("POST", "/messages/conversations", {
      caller: users.alice,
      body: { participantIds: [users.carol.userId, dave.userId], messageText: "lost" },
    });
    expect(response.status).toBe(500);
    expect(await conversationsOf(users.carol)).toEqual(before);
  });

  it.each(XSS_PAYLOADS)("never returns %s as markup", async (payload) => {
    await ensureProfiles();
    const started = await startConversation(
      users.alice,
      [users.bob.userId, dave.userId],
      `Hey ${payload}`,
      payload,
    );
    const listed = await messagesOf(started.conversationId);
    for (const message of listed.body.messages) expect(looksLikeMarkup(message.messageText)).toBe(false);
    const conversation = (await conversationsOf(users.bob)).find(
      (c) => c.conversationId === started.conversationId,
    );
    expect(looksLikeMarkup(JSON.stringify(conversation))).toBe(false);
  });
});

describe("POST /messages/conversations/{conversationId}", () => {
  it("sends a message: recipients' unread counts go up, the sender's does not", async () => {
    await ensureProfiles();
    const group = await startConversation(users.alice, [users.bob.userId, users.carol.userId]);
    await markRead(group.conversationId, users.bob);
    const response = await send(group.conversationId, { messageText: "Dinner on Sunday?" }, users.bob);
    expect(response.status).toBe(201);
    expect(response.body).toEqual({
      conversationId: group.conversationId,
      messageId: expect.any(String),
      senderId: users.bob.userId,
      senderName: users.bob.name,
      messageText: "Dinner on Sunday?",
      attachments: [],
      createdAt: expect.any(String),
      deleted: false,
      deletedAt: null,
      mentions: [],
    });
    expect(await unreadOf(users.bob, group.conversationId)).toBe(0);
    expect(await unreadOf(users.alice, group.conversationId)).toBe(1);
    expect(await unreadOf(users.carol, group.conversationId)).toBe(2);
    const carolsView = (await api().call("GET", "/messages/conversations", { caller: users.carol })).body;
    expect(carolsView.conversations[0]).toMatchObject({
      conversationId: group.conversationId,
      lastMessagePreview: "Dinner on Sunday?",
      lastMessageSenderId: users.bob.userId,
    });
  });

  it("leaves every recipient's unread count at exactly 50 after 50 concurrent messages", async () => {
    await ensureProfiles();
    const group = await startConversation(users.alice, [users.bob.userId, users.carol.userId, dave.userId]);
    for (const member of [users.bob, users.carol, dave]) await markRead(group.conversationId, member);
    const responses = await Promise.all(
      Array.from({ length: 50 }, (_, i) => send(group.conversationId, { messageText: `burst ${i}` })),
    );
    expect(responses.filter((r) => r.status !== 201).map((r) => r.raw.body)).toEqual([]);
    for (const member of [users.bob, users.carol, dave]) {
      expect(await unreadOf(member, group.conversationId)).toBe(50);
    }
    expect(await unreadOf(users.alice, group.conversationId)).toBe(0);
    const { items } = await collectPages(
      api().call,
      "GET",
      "/messages/conversations/{conversationId}",
      "messages",
      {
        caller: users.alice,
        pathParameters: { conversationId: group.conversationId },
        limit: 100,
      },
    );
    expect(items).toHaveLength(51);
  });

  it("refuses non-participants with 403, for a missing conversation too (no probing who talks to whom)", async () => {
    await ensureProfiles();
    const direct = await startConversation(users.alice, [users.bob.userId]);
    const before = (await messagesOf(direct.conversationId)).body.messages.length;
    const outsider = await send(direct.conversationId, { messageText: "let me in" }, users.carol);
    expect(outsider.status).toBe(403);
    const admin = await send(direct.conversationId, { messageText: "me too" }, users.admin);
    expect(admin.status).toBe(403);
    expect((await send("grp_01JZZZZZZZZZZZZZZZZZZZZZZZ", { messageText: "anyone?" })).status).toBe(403);
    expect((await messagesOf(direct.conversationId)).body.messages).toHaveLength(before);
  });

  it.each([
    ["an empty body", {}],
    ["empty text and no attachments", { messageText: "", attachments: [] }],
    ["only markup", { messageText: "<script>x</script>" }],
    ["5001 characters", { messageText: "m".repeat(5001) }],
    ["text as a number", { messageText: 5 }],
    ["attachments as an object", { attachments: { s3Key: "x" } }],
    [
      "someone else's upload",
      {
        attachments: [
          {
            s3Key: "attachments/user-bob/01J0000000000000000000000A/a.png",
            filename: "a.png",
            contentType: "image/png",
            size: 10,
          },
        ],
      },
    ],
    [
      "a key outside the upload prefix",
      {
        attachments: [
          {
            s3Key: "attachments/user-alice/../user-bob/x/a.png",
            filename: "a.png",
            contentType: "image/png",
            size: 10,
          },
        ],
      },
    ],
    [
      "a type that is not allowed",
      {
        attachments: [
          {
            s3Key: "attachments/user-alice/01J0000000000000000000000A/a.svg",
            filename: "a.svg",
            contentType: "image/svg+xml",
            size: 10,
          },
        ],
      },
    ],
    ["an unknown field", { messageText: "x", senderId: users.bob.userId }],
  ])("refuses %s with 400 and sends nothing", async (_, body) => {
    await ensureProfiles();
    const direct = await startConversation(users.alice, [dave.userId]);
    const before = (await messagesOf(direct.conversationId)).body.messages.length;
    const response = await send(direct.conversationId, body);
    expect(response.status).toBe(400);
    expect((await messagesOf(direct.conversationId)).body.messages).toHaveLength(before);
  });

  it("sends an uploaded attachment without text", async () => {
    await ensureProfiles();
    const upload = await api().call("POST", "/messages/upload", {
      caller: users.alice,
      body: { filename: "Grandma's kitchen.jpg", contentType: "image/jpeg", size: 204_800 },
    });
    expect(upload.status).toBe(200);
    const direct = await startConversation(users.alice, [users.bob.userId]);
    const attachment = {
      s3Key: upload.body.s3Key,
      filename: "Grandma's kitchen.jpg",
      contentType: "image/jpeg",
      size: 204_800,
    };
    const response = await send(direct.conversationId, { attachments: [attachment] });
    expect(response.status).toBe(201);
    expect(response.body).toMatchObject({ messageText: "", attachments: [attachment] });
    const bobsView = (await conversationsOf(users.bob)).find(
      (c) => c.conversationId === direct.conversationId,
    );
    expect(bobsView).toMatchObject({ lastMessagePreview: "📎 1 attachment" });
    const tooBig = await send(direct.conversationId, {
      attachments: [{ ...attachment, size: 26 * 1024 * 1024 }],
    });
    expect(tooBig.status).toBe(413);
  });
});

describe("GET /messages/conversations/{conversationId}", () => {
  it("lists messages newest first, page by page, to participants only", async () => {
    await ensureProfiles();
    const direct = await startConversation(users.carol, [dave.userId], "m0");
    for (let i = 1; i < 5; i++)
      await send(direct.conversationId, { messageText: `m${i}` }, i % 2 ? dave : users.carol);
    const { items, pages } = await collectPages<{ messageText: string }>(
      api().call,
      "GET",
      "/messages/conversations/{conversationId}",
      "messages",
      { caller: dave, pathParameters: { conversationId: direct.conversationId }, limit: 2 },
    );
    expect(items.map((m) => m.messageText)).toEqual(["m4", "m3", "m2", "m1", "m0"]);
    expect(pages).toBe(3);
    expect((await messagesOf(direct.conversationId, users.alice)).status).toBe(403);
    expect((await messagesOf(direct.conversationId, users.admin)).status).toBe(403);
    expect((await messagesOf("dm_doesNotExist", users.alice)).status).toBe(403);
    expect((await messagesOf("bad id!", users.alice)).status).toBe(400);
  });

  it("refuses a cursor from another conversation with 400", async () => {
    await ensureProfiles();
    const one = await startConversation(users.bob, [users.carol.userId]);
    await send(one.conversationId, { messageText: "again" }, users.bob);
    const other = await startConversation(users.bob, [dave.userId]);
    const page = await messagesOf(one.conversationId, users.bob, { limit: "1" });
    expect(page.body.nextCursor).toEqual(expect.any(String));
    const foreign = await messagesOf(other.conversationId, users.bob, { cursor: page.body.nextCursor });
    expect(foreign.status).toBe(400);
  });
});

describe("PUT /messages/conversations/{conversationId}/read", () => {
  it("resets the caller's unread count only", async () => {
    await ensureProfiles();
    const group = await startConversation(dave, [users.alice.userId, users.bob.userId]);
    const response = await markRead(group.conversationId, users.alice);
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ conversationId: group.conversationId, unreadCount: 0 });
    expect(await unreadOf(users.alice, group.conversationId)).toBe(0);
    expect(await unreadOf(users.bob, group.conversationId)).toBe(1);
  });

  it("refuses non-participants with 403, for a missing conversation too (no probing who talks to whom)", async () => {
    await ensureProfiles();
    const direct = await startConversation(dave, [users.carol.userId]);
    expect((await markRead(direct.conversationId, users.alice)).status).toBe(403);
    expect((await markRead("grp_missing", users.alice)).status).toBe(403);
    expect(
      await api().db.repositories.conversations.getMembership(users.alice.userId, direct.conversationId),
    ).toBeNull();
  });
});

describe("GET /messages/conversations", () => {
  it("lists the caller's conversations, most recent first, with unread counts, page by page", async () => {
    await ensureProfiles();
    const member: TestUser = { ...users.carol, userId: "user-lister" };
    await saveProfile(api().call, member);
    const started = [];
    for (const other of [users.alice, users.bob, dave])
      started.push(await startConversation(member, [other.userId]));
    await send(started[0]!.conversationId, { messageText: "bump" }, users.alice);
    const { items, pages } = await collectPages<{ conversationId: string; unreadCount: number }>(
      api().call,
      "GET",
      "/messages/conversations",
      "conversations",
      { caller: member, limit: 2 },
    );
    expect(items.map((c) => c.conversationId)).toEqual([
      started[0]!.conversationId,
      started[2]!.conversationId,
      started[1]!.conversationId,
    ]);
    expect(items.map((c) => c.unreadCount)).toEqual([1, 0, 0]);
    expect(pages).toBe(2);
  });
});

describe("POST /messages/upload", () => {
  const upload = (body: unknown, caller: TestUser = users.alice) =>
    api().call("POST", "/messages/upload", { caller, body });

  it("returns a presigned PUT under the caller's prefix, valid 15 minutes, for that type and size", async () => {
    const response = await upload({
      filename: "../../etc/Family tree (1).PDF",
      contentType: "application/pdf",
      size: 1234,
    });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      uploadUrl: expect.any(String),
      // Signed headers the PUT must send: the upload is pending until a message references it.
      uploadHeaders: { "Content-Type": "application/pdf", "x-amz-tagging": "hearth-upload=pending" },
      s3Key: expect.any(String),
      expiresIn: 900,
    });
    expect(response.body.s3Key).toMatch(/^attachments\/user-alice\/[0-9A-Z]{26}\/Family_tree_1_.PDF$/);
    const url = new URL(response.body.uploadUrl);
    expect(decodeURIComponent(url.pathname)).toBe(`/hearth-test-attachments/${response.body.s3Key}`);
    expect(url.searchParams.get("X-Amz-Expires")).toBe("900");
    expect(url.searchParams.get("X-Amz-SignedHeaders")?.split(";")).toEqual(
      expect.arrayContaining(["content-type", "content-length", "host", "x-amz-tagging"]),
    );
    // Signed as a header, not hoisted into the query: the browser must send it itself.
    expect([...url.searchParams.keys()].some((name) => name.toLowerCase() === "x-amz-tagging")).toBe(false);
    expect(url.searchParams.get("X-Amz-Signature")).toMatch(/^[0-9a-f]{64}$/);
    expect(url.searchParams.has("x-amz-checksum-crc32")).toBe(false);
  });

  it("keeps the extension of a name with nothing else usable", async () => {
    for (const [filename, expected] of [
      ["日本.jpg", "file.jpg"],
      ["_.png", "file.png"],
      ["...", "file"],
      [`${"é".repeat(150)}.jpeg`, `${"e".repeat(95)}.jpeg`],
    ] as const) {
      const response = await upload({ filename, contentType: "image/jpeg", size: 5 });
      expect(response.status, filename).toBe(200);
      expect(response.body.s3Key.split("/").at(-1), filename).toBe(expected);
    }
  });

  it("gives each upload its own key", async () => {
    const body = { filename: "a.png", contentType: "image/png", size: 1 };
    const [first, second] = await Promise.all([upload(body), upload(body, users.bob)]);
    expect(first!.body.s3Key).not.toBe(second!.body.s3Key);
    expect(second!.body.s3Key).toMatch(/^attachments\/user-bob\//);
  });

  it.each([
    ["an HTML file", { filename: "x.html", contentType: "text/html", size: 10 }],
    ["an SVG image", { filename: "x.svg", contentType: "image/svg+xml", size: 10 }],
    ["an empty file", { filename: "x.png", contentType: "image/png", size: 0 }],
    ["a size as a string", { filename: "x.png", contentType: "image/png", size: "10" }],
    ["a fractional size", { filename: "x.png", contentType: "image/png", size: 1.5 }],
    ["no filename", { contentType: "image/png", size: 10 }],
    ["an unknown field", { filename: "x.png", contentType: "image/png", size: 10, bucket: "other" }],
  ])("refuses %s with 400", async (_, body) => {
    expect((await upload(body)).status).toBe(400);
  });

  it("refuses files over 25 MB with 413", async () => {
    const response = await upload({
      filename: "film.pdf",
      contentType: "application/pdf",
      size: 25 * 1024 * 1024 + 1,
    });
    expect(response.status).toBe(413);
    const largest = await upload({
      filename: "big.pdf",
      contentType: "application/pdf",
      size: 25 * 1024 * 1024,
    });
    expect(largest.status).toBe(200);
  });
});

// What a messaging screen needs: attachments that open, names in conversations, the unread badge, deleting
// messages and leaving conversations.

async function uploadedAttachment(
  caller: TestUser,
  filename: string,
  contentType = "image/jpeg",
  size = 2048,
) {
  const upload = await api().call("POST", "/messages/upload", {
    caller,
    body: { filename, contentType, size },
  });
  if (upload.status !== 200) throw new Error(`Upload failed: ${upload.raw.body}`);
  return { s3Key: upload.body.s3Key as string, filename, contentType, size };
}

const deleteMessage = (conversationId: string, messageId: string, caller: TestUser) =>
  api().call("DELETE", "/messages/conversations/{conversationId}/{messageId}", {
    caller,
    pathParameters: { conversationId, messageId },
  });

const leave = (conversationId: string, caller: TestUser) =>
  api().call("POST", "/messages/conversations/{conversationId}/leave", {
    caller,
    pathParameters: { conversationId },
  });

const unread = async (caller: TestUser) => {
  const response = await api().call("GET", "/messages/unread", { caller });
  expect(response.status).toBe(200);
  return response.body as { unreadConversations: number; unreadMessages: number };
};

async function conversationOf(caller: TestUser, conversationId: string) {
  const listed = (await conversationsOf(caller)) as Array<Record<string, unknown>>;
  return listed.find((c) => c.conversationId === conversationId);
}

describe("attachment download URLs", () => {
  it("open every attachment for 15 minutes, saved under its name with the type it was sent as", async () => {
    await ensureProfiles();
    const filename = 'Grandma\'s "kitchen"; 1962\r\n日本.jpg';
    const attachment = await uploadedAttachment(users.alice, filename);
    const direct = await startConversation(users.alice, [users.carol.userId]);
    const before = Date.now();
    const sent = await send(direct.conversationId, { messageText: "the photo", attachments: [attachment] });
    expect(sent.status).toBe(201);
    const listed = await messagesOf(direct.conversationId, users.carol);
    for (const served of [sent.body.attachments[0], listed.body.messages[0].attachments[0]]) {
      expect(served).toMatchObject({ ...attachment, filename: expect.any(String) });
      const url = new URL(served.downloadUrl);
      expect(decodeURIComponent(url.pathname)).toBe(`/hearth-test-attachments/${attachment.s3Key}`);
      expect(url.searchParams.get("X-Amz-Expires")).toBe("900");
      expect(url.searchParams.get("X-Amz-Signature")).toMatch(/^[0-9a-f]{64}$/);
      expect(url.searchParams.get("response-content-type")).toBe("image/jpeg");
      const disposition = url.searchParams.get("response-content-disposition") ?? "";
      // The exact name survives in filename*, and nothing in it can end the header value early.
      const encoded = /filename\*=UTF-8''(.+)$/.exec(disposition)?.[1] ?? "";
      expect(decodeURIComponent(encoded)).toBe(served.filename);
      expect(disposition).toMatch(
        /^attachment; filename="[\x20-\x7e]*"; filename\*=UTF-8''[A-Za-z0-9%._~-]+$/,
      );
      expect(disposition.match(/"/g)).toHaveLength(2);
      const expiresAt = Date.parse(served.downloadUrlExpiresAt);
      expect(expiresAt).toBeGreaterThanOrEqual(before + 900_000 - 1000);
      expect(expiresAt).toBeLessThanOrEqual(Date.now() + 900_000);
    }
  });
});

describe("participants and titles", () => {
  it("name every participant of every conversation on a page, with served photos", async () => {
    await ensureProfiles();
    const photo = await api().call("POST", "/profile/photo", {
      caller: users.bob,
      body: { contentType: "image/png", size: 1000 },
    });
    await saveProfile(api().call, users.bob, { profilePhotoKey: photo.body.photoKey });
    const group = await startConversation(
      users.carol,
      [users.bob.userId, dave.userId],
      "hi",
      "  <b>Cousins</b> ",
    );
    expect(group).toMatchObject({ title: "Cousins" });
    const listed = await conversationOf(users.carol, group.conversationId);
    expect(listed).toMatchObject({ title: "Cousins", participantIds: group.participantIds });
    const participants = listed?.participants as Array<{
      userId: string;
      displayName: string;
      profilePhotoUrl: string | null;
    }>;
    expect(participants.map((p) => p.userId)).toEqual(group.participantIds);
    expect(participants.find((p) => p.userId === dave.userId)).toEqual({
      userId: dave.userId,
      displayName: dave.name,
      profilePhotoUrl: null,
    });
    const bob = participants.find((p) => p.userId === users.bob.userId);
    expect(bob?.displayName).toBe(users.bob.name);
    const photoUrl = new URL(bob?.profilePhotoUrl ?? "");
    expect(decodeURIComponent(photoUrl.pathname)).toBe(`/hearth-test-attachments/${photo.body.photoKey}`);
    expect(photoUrl.searchParams.get("X-Amz-Signature")).toMatch(/^[0-9a-f]{64}$/);
    await saveProfile(api().call, users.bob, { profilePhotoUrl: null });
  });

  it("refuse a title over 100 characters with 400", async () => {
    await ensureProfiles();
    const response = await api().call("POST", "/messages/conversations", {
      caller: users.alice,
      body: { participantIds: [users.bob.userId, dave.userId], messageText: "x", title: "t".repeat(101) },
    });
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe("INVALID_INPUT");
  });
});

describe("GET /messages/unread", () => {
  it("counts the caller's conversations with unread messages and those messages", async () => {
    await ensureProfiles();
    const reader: TestUser = {
      userId: "user-unread",
      email: "unread@example.org",
      name: "Una",
      groups: ["ApprovedUsers"],
    };
    await saveProfile(api().call, reader);
    expect(await unread(reader)).toEqual({ unreadConversations: 0, unreadMessages: 0 });
    const direct = await startConversation(users.alice, [reader.userId], "one");
    await send(direct.conversationId, { messageText: "two" });
    const group = await startConversation(users.bob, [reader.userId, users.carol.userId], "three");
    const mine = await startConversation(reader, [users.carol.userId], "my own message");
    expect(await unread(reader)).toEqual({ unreadConversations: 2, unreadMessages: 3 });
    await markRead(group.conversationId, reader);
    expect(await unread(reader)).toEqual({ unreadConversations: 1, unreadMessages: 2 });
    // Hidden and left conversations count for nothing.
    await leave(direct.conversationId, reader);
    await send(group.conversationId, { messageText: "four" }, users.bob);
    await leave(group.conversationId, reader);
    expect(await unread(reader)).toEqual({ unreadConversations: 0, unreadMessages: 0 });
    expect((await leave(mine.conversationId, users.carol)).status).toBe(200);
  });
});

describe("DELETE /messages/conversations/{conversationId}/{messageId}", () => {
  it("lets the sender delete their message: it stays in place without text or attachments", async () => {
    await ensureProfiles();
    const attachment = await uploadedAttachment(users.alice, "letter.pdf", "application/pdf");
    const group = await startConversation(users.alice, [users.bob.userId, users.carol.userId], "first");
    const sent = await send(group.conversationId, { messageText: "secret", attachments: [attachment] });
    const response = await deleteMessage(group.conversationId, sent.body.messageId, users.alice);
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      ...sent.body,
      messageText: null,
      attachments: [],
      deleted: true,
      deletedAt: expect.any(String),
    });
    const listed = await messagesOf(group.conversationId, users.bob);
    expect(listed.body.messages[0]).toEqual(response.body);
    expect(listed.body.messages[1]).toMatchObject({ messageText: "first", deleted: false });
    // Every member's preview stops showing the text; their unread counts are left alone.
    for (const member of [users.alice, users.bob, users.carol]) {
      const conversation = await conversationOf(member, group.conversationId);
      expect(conversation?.lastMessagePreview, member.userId).toBe("Message deleted");
      expect(JSON.stringify(conversation)).not.toContain("secret");
    }
    // Deleting it again changes nothing and says so.
    const again = await deleteMessage(group.conversationId, sent.body.messageId, users.alice);
    expect(again.status).toBe(200);
    expect(again.body).toEqual(response.body);
  });

  it("keeps the preview of a newer message when an older one is deleted", async () => {
    await ensureProfiles();
    const direct = await startConversation(users.bob, [dave.userId], "older");
    const older = (await messagesOf(direct.conversationId, users.bob)).body.messages[0];
    await send(direct.conversationId, { messageText: "newer" }, dave);
    expect((await deleteMessage(direct.conversationId, older.messageId, users.bob)).status).toBe(200);
    expect((await conversationOf(users.bob, direct.conversationId))?.lastMessagePreview).toBe("newer");
  });

  it("refuses other participants and outsiders with 403, a missing message with 404, a bad id with 400", async () => {
    await ensureProfiles();
    const group = await startConversation(users.alice, [users.bob.userId, users.carol.userId], "mine");
    const message = (await messagesOf(group.conversationId)).body.messages[0];
    const byOther = await deleteMessage(group.conversationId, message.messageId, users.bob);
    expect(byOther.status).toBe(403);
    expect(byOther.body.error.code).toBe("FORBIDDEN");
    expect((await deleteMessage(group.conversationId, message.messageId, dave)).status).toBe(403);
    expect((await deleteMessage("grp_01JZZZZZZZZZZZZZZZZZZZZZZZ", message.messageId, dave)).status).toBe(403);
    const missing = await deleteMessage(group.conversationId, "01JZZZZZZZZZZZZZZZZZZZZZZZ", users.alice);
    expect(missing.status).toBe(404);
    expect(missing.raw.body).not.toContain("01JZZZZZZZZZZZZZZZZZZZZZZZ");
    const bad = await api().call("DELETE", "/messages/conversations/{conversationId}/{messageId}", {
      caller: users.alice,
      encodedPathParameters: { conversationId: group.conversationId, messageId: "%E0%A4%A" },
    });
    expect(bad.status).toBe(400);
    expect((await messagesOf(group.conversationId)).body.messages[0]).toEqual(message);
  });
});

describe("POST /messages/conversations/{conversationId}/leave", () => {
  it("takes the leaver out of a group; the others keep it, and their participantIds show it", async () => {
    await ensureProfiles();
    const group = await startConversation(users.alice, [users.bob.userId, users.carol.userId], "hi", "Trio");
    const response = await leave(group.conversationId, users.carol);
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      conversationId: group.conversationId,
      conversationType: "group",
      outcome: "left",
    });
    expect(await conversationOf(users.carol, group.conversationId)).toBeUndefined();
    expect((await messagesOf(group.conversationId, users.carol)).status).toBe(403);
    expect((await send(group.conversationId, { messageText: "back?" }, users.carol)).status).toBe(403);
    expect((await leave(group.conversationId, users.carol)).status).toBe(403);
    const sent = await send(group.conversationId, { messageText: "just us" }, users.bob);
    expect(sent.status).toBe(201);
    for (const member of [users.alice, users.bob]) {
      const conversation = await conversationOf(member, group.conversationId);
      expect(conversation?.participantIds).toEqual([users.alice.userId, users.bob.userId]);
      const participants = (conversation?.participants ?? []) as Array<{ userId: string }>;
      expect(participants.map((p) => p.userId)).toEqual([users.alice.userId, users.bob.userId]);
    }
    expect(await unreadOf(users.carol, group.conversationId)).toBeUndefined();
  });

  it("leaves a group everyone left stored but reachable by nobody", async () => {
    await ensureProfiles();
    const group = await startConversation(users.alice, [users.bob.userId, dave.userId], "bye all");
    const leavers = await Promise.all(
      [users.alice, users.bob, dave].map((member) => leave(group.conversationId, member)),
    );
    expect(leavers.map((r) => r.status)).toEqual([200, 200, 200]);
    for (const member of [users.alice, users.bob, dave]) {
      expect((await messagesOf(group.conversationId, member)).status).toBe(403);
    }
    const stored = await api().db.repositories.conversations.listMessages(group.conversationId, {});
    expect(stored.items.map((m) => m.messageText)).toEqual(["bye all"]);
  });

  it("hides a direct conversation for the caller until a new message arrives", async () => {
    await ensureProfiles();
    const direct = await startConversation(users.carol, [dave.userId], "hello dave");
    const response = await leave(direct.conversationId, dave);
    expect(response.body).toEqual({
      conversationId: direct.conversationId,
      conversationType: "direct",
      outcome: "hidden",
    });
    expect(await conversationOf(dave, direct.conversationId)).toBeUndefined();
    expect(await conversationOf(users.carol, direct.conversationId)).toBeDefined();
    // Still theirs: readable by id, and a new message brings it back with that message.
    expect((await messagesOf(direct.conversationId, dave)).status).toBe(200);
    await send(direct.conversationId, { messageText: "are you there?" }, users.carol);
    expect(await conversationOf(dave, direct.conversationId)).toMatchObject({
      lastMessagePreview: "are you there?",
      unreadCount: 1,
    });
  });

  it("refuses outsiders with 403, for a missing conversation too", async () => {
    await ensureProfiles();
    const direct = await startConversation(users.alice, [users.bob.userId], "private");
    expect((await leave(direct.conversationId, users.carol)).status).toBe(403);
    expect((await leave("dm_missing", users.carol)).status).toBe(403);
    expect(await conversationOf(users.bob, direct.conversationId)).toBeDefined();
  });
});
