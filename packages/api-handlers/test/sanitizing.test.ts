import { MAX_PLAIN_TEXT_ROUNDS } from "@hearth/domain";
import { encodeFully, findMarkup, sampleEncodedMarkup } from "@hearth/domain/testing/markup";
import { beforeAll, describe, expect, it } from "vitest";
import { saveProfile, type TestUser, users, useTestApi } from "./helpers.js";

const api = useTestApi("sanitizing");

/** A few generated nestings of hostile markup short enough for a field's raw limit, the same every run. */
const samples = (maxLength: number, seed: number) => sampleEncodedMarkup(6, { seed, maxLength });

/** `&amp;` nested one layer deeper than reduction follows: refused whatever the field. */
const OVER_NESTED = `Fish &${"amp;".repeat(MAX_PLAIN_TEXT_ROUNDS + 1)} chips`;

/** Every string anywhere in `value`, checked for markup. */
function expectNoMarkup(value: unknown) {
  const strings: string[] = [];
  JSON.stringify(value, (_, v) => {
    if (typeof v === "string") strings.push(v);
    return v;
  });
  for (const text of strings) expect(findMarkup(text), text).toBeUndefined();
}

function expectRefusedNaming(response: { status: number; body: unknown }, field: string) {
  expect(response.status).toBe(400);
  expect(response.body).toEqual({
    error: { code: "INVALID_INPUT", message: expect.stringMatching(new RegExp(`^${field} `)) },
  });
  expect(JSON.stringify(response.body)).not.toContain("&amp;");
}

const dave: TestUser = {
  userId: "user-dave",
  email: "dave@example.org",
  name: "Dave D",
  groups: ["ApprovedUsers"],
};

beforeAll(async () => {
  for (const user of [users.alice, users.bob, dave]) await saveProfile(api().call, user);
});

describe("profile fields", () => {
  it.each(samples(400, 1))(
    "stores and returns displayName and bio without a tag (sample %#)",
    async (text) => {
      const { call } = api();
      const saved = await call("PUT", "/profile", {
        caller: users.bob,
        body: { displayName: text, bio: text },
      });
      expect(saved.status).toBe(200);
      expectNoMarkup(saved.body);
      const read = await call("GET", "/profile/{userId}", { pathParameters: { userId: users.bob.userId } });
      expectNoMarkup(read.body);
      expect(read.body.displayName).toBe(saved.body.displayName);
    },
  );

  it.each(["displayName", "bio"])("refuses an over-nested %s with 400 and changes nothing", async (field) => {
    const { call } = api();
    await saveProfile(call, dave, { bio: "Before" });
    const response = await call("PUT", "/profile", { caller: dave, body: { [field]: OVER_NESTED } });
    expectRefusedNaming(response, field);
    const read = await call("GET", "/profile/{userId}", { pathParameters: { userId: dave.userId } });
    expect(read.body).toMatchObject({ displayName: dave.name, bio: "Before" });
  });
});

describe("comment fields", () => {
  it.each(samples(1200, 2))(
    "stores and returns commentText and itemTitle without a tag (sample %#)",
    async (text) => {
      const { call } = api();
      const created = await call("POST", "/comments/{itemId}", {
        pathParameters: { itemId: "/sanitizing" },
        body: { commentText: `Nice ${text}`, itemTitle: text },
      });
      expect(created.status).toBe(201);
      expectNoMarkup(created.body);
      const edited = await call("PUT", "/comments/{itemId}/{commentId}", {
        pathParameters: { itemId: "/sanitizing", commentId: created.body.commentId },
        body: { commentText: `Edited ${text}` },
      });
      expect(edited.status).toBe(200);
      expectNoMarkup(edited.body);
      const listed = await call("GET", "/comments/{itemId}", { pathParameters: { itemId: "/sanitizing" } });
      expectNoMarkup(listed.body);
    },
  );

  it("refuses an over-nested commentText on create and edit, and itemTitle, with 400", async () => {
    const { call } = api();
    const itemId = "/sanitizing-refused";
    for (const body of [{ commentText: OVER_NESTED }, { commentText: "ok", itemTitle: OVER_NESTED }]) {
      const field = body.itemTitle ? "itemTitle" : "commentText";
      expectRefusedNaming(
        await call("POST", "/comments/{itemId}", { pathParameters: { itemId }, body }),
        field,
      );
    }
    const created = await call("POST", "/comments/{itemId}", {
      pathParameters: { itemId },
      body: { commentText: "Original" },
    });
    const commentId = created.body.commentId;
    const edited = await call("PUT", "/comments/{itemId}/{commentId}", {
      pathParameters: { itemId, commentId },
      body: { commentText: encodeFully("<img src=x onerror=alert(1)>", MAX_PLAIN_TEXT_ROUNDS) },
    });
    expectRefusedNaming(edited, "commentText");
    const listed = await call("GET", "/comments/{itemId}", { pathParameters: { itemId } });
    expect(listed.body.comments).toEqual([
      expect.objectContaining({ commentText: "Original", isEdited: false }),
    ]);
  });
});

describe("message fields", () => {
  it.each(samples(400, 3))(
    "stores and returns messageText, title and filenames without a tag (sample %#)",
    async (text) => {
      const { call } = api();
      const started = await call("POST", "/messages/conversations", {
        body: { participantIds: [users.bob.userId, dave.userId], messageText: `Hi ${text}`, title: text },
      });
      expect(started.status).toBe(201);
      expectNoMarkup(started.body);
      const { conversationId } = started.body;
      const sent = await call("POST", "/messages/conversations/{conversationId}", {
        pathParameters: { conversationId },
        body: {
          messageText: `Again ${text}`,
          attachments: [
            {
              s3Key: `attachments/${users.alice.userId}/01J0000000000000000000000A/tree.png`,
              filename: `tree ${text}.png`,
              contentType: "image/png",
              size: 1000,
            },
          ],
        },
      });
      expect(sent.status).toBe(201);
      expectNoMarkup(sent.body);
      const messages = await call("GET", "/messages/conversations/{conversationId}", {
        caller: users.bob,
        pathParameters: { conversationId },
      });
      expectNoMarkup(messages.body);
      expectNoMarkup((await call("GET", "/messages/conversations", { caller: dave })).body);
    },
  );

  it("refuses an over-nested messageText, title or filename with 400", async () => {
    const { call } = api();
    const participantIds = [users.bob.userId, dave.userId];
    expectRefusedNaming(
      await call("POST", "/messages/conversations", { body: { participantIds, messageText: OVER_NESTED } }),
      "messageText",
    );
    expectRefusedNaming(
      await call("POST", "/messages/conversations", {
        body: { participantIds, messageText: "hi", title: OVER_NESTED },
      }),
      "title",
    );
    const started = await call("POST", "/messages/conversations", {
      body: { participantIds: [users.bob.userId], messageText: "hi" },
    });
    const pathParameters = { conversationId: started.body.conversationId };
    expectRefusedNaming(
      await call("POST", "/messages/conversations/{conversationId}", {
        pathParameters,
        body: { messageText: OVER_NESTED },
      }),
      "messageText",
    );
    expectRefusedNaming(
      await call("POST", "/messages/conversations/{conversationId}", {
        pathParameters,
        body: {
          attachments: [
            {
              s3Key: `attachments/${users.alice.userId}/01J0000000000000000000000A/a.png`,
              filename: OVER_NESTED,
              contentType: "image/png",
              size: 10,
            },
          ],
        },
      }),
      "filename",
    );
    const messages = await call("GET", "/messages/conversations/{conversationId}", { pathParameters });
    expect(messages.body.messages.map((m: { messageText: string }) => m.messageText)).toEqual(["hi"]);
  });
});

describe("author names from the token", () => {
  it("shows a token name set to markup as plain text on comments and messages", async () => {
    const { call } = api();
    const eve: TestUser = {
      userId: "user-eve",
      email: "eve@example.org",
      name: `&lt;img src=x onerror=alert(1)&gt;Eve`,
      groups: ["ApprovedUsers"],
    };
    const comment = await call("POST", "/comments/{itemId}", {
      caller: eve,
      pathParameters: { itemId: "/token-name" },
      body: { commentText: "Hello" },
    });
    expect(comment.body.userName).toBe("Eve");
    const started = await call("POST", "/messages/conversations", {
      caller: eve,
      body: { participantIds: [users.bob.userId], messageText: "Hi" },
    });
    expect(started.body.message.senderName).toBe("Eve");
    const overNested = { ...eve, userId: "user-eve-2", name: OVER_NESTED };
    const fallback = await call("POST", "/comments/{itemId}", {
      caller: overNested,
      pathParameters: { itemId: "/token-name" },
      body: { commentText: "Hello" },
    });
    expect(fallback.body.userName).toBe("eve");
  });
});
