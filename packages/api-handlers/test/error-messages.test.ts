import { describe, expect, it } from "vitest";
import { saveProfile, users, useTestApi } from "./helpers.js";

const api = useTestApi("error-messages");

const SCRIPT = "<script>alert(1)</script>";

/** A 400 whose message says `message` and holds nothing of the hostile input. */
function expectRefusal(response: { status: number; body: unknown }, message: string) {
  expect(response.status).toBe(400);
  expect(response.body).toEqual({ error: { code: "INVALID_INPUT", message } });
  expect(JSON.stringify(response.body)).not.toMatch(/script|alert|[<>]/);
}

describe("error messages name fields and rules, never the client's keys or values", () => {
  it("PUT /profile with an unknown key made of markup", async () => {
    const response = await api().call("PUT", "/profile", { body: { displayName: "Alice", [SCRIPT]: "x" } });
    expectRefusal(response, "Invalid request body: the body has a field that is not allowed");
  });

  it("PUT /profile with markup as an unknown key of the notification preferences", async () => {
    const response = await api().call("PUT", "/profile", {
      body: { notificationPreferences: { comments: true, reactions: true, messages: true, [SCRIPT]: true } },
    });
    expectRefusal(response, "Invalid request body: notificationPreferences has a field that is not allowed");
  });

  it("POST /messages/conversations with participant ids nobody has", async () => {
    const { call } = api();
    await saveProfile(call, users.alice);
    await saveProfile(call, users.bob);
    const one = await call("POST", "/messages/conversations", {
      body: { participantIds: [users.bob.userId, SCRIPT], messageText: "hi" },
    });
    expectRefusal(one, "participantIds[1] is not a member of the family archive");
    const two = await call("POST", "/messages/conversations", {
      body: {
        participantIds: [`${SCRIPT}1`, users.bob.userId, `<img src=x onerror=alert(1)>`],
        messageText: "hi",
      },
    });
    expectRefusal(two, "participantIds[0], participantIds[2] are not members of the family archive");
    // Nothing was started.
    const conversations = await call("GET", "/messages/conversations", { caller: users.bob });
    expect(conversations.body.conversations).toEqual([]);
  });

  it("POST /comments/{itemId} with a value of the wrong type and a missing field", async () => {
    const { call } = api();
    expectRefusal(
      await call("POST", "/comments/{itemId}", {
        pathParameters: { itemId: "/x" },
        body: { commentText: [SCRIPT] },
      }),
      "Invalid request body: commentText must be a string",
    );
    expectRefusal(
      await call("POST", "/comments/{itemId}", {
        pathParameters: { itemId: "/x" },
        body: { itemTitle: SCRIPT },
      }),
      "Invalid request body: commentText is required",
    );
  });
});
