import { beforeAll, describe, expect, inject, it } from "vitest";
import { readOutputs } from "../src/outputs.js";
import { Outside, type User } from "./client.js";

/**
 * Only members join conversations, driven from outside: someone who signed up but was never
 * approved has a profile from their first sign-in, and still can't be written to.
 */
const outside = new Outside(readOutputs(inject("outputsFile")));
let writer: User;
let cousin: User;
let stranger: User;

interface Refusal {
  error: { code: string; message: string };
}

const conversationsOf = async (as: User) =>
  (
    await outside.call<{ conversations: { conversationId: string; participantIds: string[] }[] }>(
      "GET",
      "/messages/conversations?limit=100",
      { as },
    )
  ).body.conversations;

beforeAll(async () => {
  [writer, cousin, stranger] = await Promise.all([
    outside.signUp("Writer", ["ApprovedUsers"]),
    outside.signUp("Cousin", ["ApprovedUsers"]),
    // Signed up and signed in once (so a pending profile exists), never approved.
    outside.signUp("Stranger", []),
  ]);
});

describe("starting a conversation with someone who is not a member", () => {
  it("is 400 naming the participant by position, creates nothing and emails them nothing", async () => {
    const secret = `Family secret ${outside.runId}`;
    const direct = await outside.call<Refusal>("POST", "/messages/conversations", {
      as: writer,
      body: { participantIds: [stranger.userId], messageText: secret },
    });
    expect(direct.status).toBe(400);
    expect(direct.body.error).toEqual({
      code: "INVALID_INPUT",
      message: "participantIds[0] is not a member of the family archive",
    });
    const group = await outside.call<Refusal>("POST", "/messages/conversations", {
      as: writer,
      body: { participantIds: [cousin.userId, stranger.userId], messageText: secret, title: "Cousins" },
    });
    expect(group.status).toBe(400);
    expect(group.body.error.message).toBe("participantIds[1] is not a member of the family archive");
    expect(
      (await conversationsOf(writer)).filter((conversation) =>
        conversation.participantIds.includes(stranger.userId),
      ),
    ).toEqual([]);

    // A member written to afterwards is emailed: once that email is in, the refused ones would be too.
    const started = await outside.call("POST", "/messages/conversations", {
      as: writer,
      body: { participantIds: [cousin.userId], messageText: "Only for you" },
    });
    expect(started.status).toBe(201);
    await outside.eventually("the member's message email", async () => {
      const mails = await outside.inbox(cousin.email);
      return mails.length > 0 && mails;
    });
    expect(await outside.inbox(stranger.email)).toEqual([]);
    expect(JSON.stringify(await outside.inbox(cousin.email))).not.toContain(secret);
  });
});
