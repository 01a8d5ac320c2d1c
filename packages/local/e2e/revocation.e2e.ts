import { InitiateAuthCommand } from "@aws-sdk/client-cognito-identity-provider";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { readOutputs } from "../src/outputs.js";
import { Outside, type User } from "./client.js";
import { PushSocket } from "./push-socket.js";

/**
 * Letting someone out, from outside: an admin revokes a member, whose still-valid token stops
 * working within a minute, whose socket is closed and who hears of nothing more; approving
 * lets them back in. Admins can't remove admins.
 */
const outputs = readOutputs(inject("outputsFile"));
const outside = new Outside(outputs);
let keeper: User;
let otherAdmin: User;
let cousin: User;
let aunt: User;
let uncle: User;

/** A revoked token is refused within 60 s: each container reads the revocation list at most once a minute. */
const REVOCATION_REACH_MS = 70_000;

interface ErrorBody {
  error: { code: string; message: string };
}

async function signInAgain(user: User): Promise<User> {
  const auth = await outside.cognito.send(
    new InitiateAuthCommand({
      AuthFlow: "USER_PASSWORD_AUTH",
      ClientId: outputs.UserPoolClientId,
      AuthParameters: { USERNAME: user.email, PASSWORD: user.password },
    }),
  );
  return { ...user, token: auth.AuthenticationResult!.IdToken! };
}

beforeAll(async () => {
  [keeper, otherAdmin, cousin, aunt, uncle] = await Promise.all([
    outside.signUp("Keeper", ["Admins"]),
    outside.signUp("Warden", ["Admins"]),
    outside.signUp("Cousin", ["ApprovedUsers"]),
    outside.signUp("Aunt", ["ApprovedUsers"]),
    outside.signUp("Uncle", ["ApprovedUsers"]),
  ]);
  for (const user of [cousin, aunt, uncle]) {
    const saved = await outside.call("PUT", "/profile", { as: user, body: { displayName: user.name } });
    expect(saved.status).toBe(200);
  }
});

describe("revoking a member", () => {
  it("refuses their token within a minute, closes their socket, tells them nothing more, and approve lets them back", async () => {
    if (!outputs.WebSocketUrl) throw new Error("The outputs have no WebSocketUrl");
    const itemPath = `/comments/${encodeURIComponent(`/e2e/${outside.runId}/revoked`)}`;
    // The cousin and the uncle take part first: a comment makes each a follower of the item.
    for (const [user, commentText] of [
      [cousin, "I was there"],
      [uncle, "So was I"],
    ] as const) {
      const posted = await outside.call("POST", itemPath, { as: user, body: { commentText } });
      expect(posted.status).toBe(201);
    }
    const socket = await PushSocket.open(outputs.WebSocketUrl, cousin.token);

    const revokedAt = Date.now();
    const revoked = await outside.call<{ userId: string; membership: string }>(
      "POST",
      `/admin/members/${cousin.userId}/revoke`,
      { as: keeper },
    );
    expect(revoked.status).toBe(200);
    expect(revoked.body).toEqual({ userId: cousin.userId, membership: "revoked" });
    const again = await outside.call("POST", `/admin/members/${cousin.userId}/revoke`, { as: keeper });
    expect(again.status).toBe(200);

    const closed = await socket.closedWithin(REVOCATION_REACH_MS);
    expect(closed.code).toBeGreaterThan(0);
    const refused = await outside.eventually(
      "the revoked token to be refused",
      async () => {
        const answer = await outside.call<ErrorBody>("GET", "/members", { as: cousin });
        return answer.status === 403 ? answer : undefined;
      },
      REVOCATION_REACH_MS,
    );
    expect(refused.body.error.code).toBe("MEMBERSHIP_REVOKED");
    // Every function's container has read the list since by a minute after the revoke: writes too.
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, revokedAt + 61_000 - Date.now())));
    const write = await outside.call<ErrorBody>("POST", itemPath, {
      as: cousin,
      body: { commentText: "Still here?" },
    });
    expect(write.status).toBe(403);
    expect(write.body.error.code).toBe("MEMBERSHIP_REVOKED");

    // The aunt comments on the item: the uncle hears of it, the cousin hears of nothing.
    const hers = await outside.call("POST", itemPath, { as: aunt, body: { commentText: "Who else?" } });
    expect(hers.status).toBe(201);
    const listed = await outside.call<{ members: { userId: string }[] }>(
      "GET",
      "/admin/members?status=revoked&limit=50",
      { as: keeper },
    );
    expect(listed.body.members.map((member) => member.userId)).toContain(cousin.userId);
    await outside.eventually("the uncle's email about the aunt's comment", async () =>
      (await outside.inbox(uncle.email)).some((message) => message.body.text?.includes("Who else?") ?? false),
    );
    const mail = await outside.inbox(cousin.email);
    expect(mail.filter((message) => message.subject.includes("comment"))).toEqual([]);

    const approved = await outside.call("POST", `/admin/members/${cousin.userId}/approve`, { as: keeper });
    expect(approved.status).toBe(200);
    const back = await signInAgain(cousin);
    const members = await outside.call("GET", "/members", { as: back });
    expect(members.status).toBe(200);
    // Nothing of what happened while they were out reached their feed either.
    const feed = await outside.call<{ notifications: { preview: string }[] }>(
      "GET",
      "/notifications?limit=50",
      {
        as: back,
      },
    );
    expect(feed.status).toBe(200);
    expect(feed.body.notifications.filter((entry) => entry.preview.includes("Who else?"))).toEqual([]);
  }, 180_000);

  it("refuses to revoke or delete another admin", async () => {
    for (const [method, path] of [
      ["POST", `/admin/members/${otherAdmin.userId}/revoke`],
      ["DELETE", `/admin/members/${otherAdmin.userId}`],
    ] as const) {
      const refused = await outside.call<ErrorBody>(method, path, { as: keeper });
      expect(refused.status, `${method} ${path}`).toBe(403);
      expect(refused.body.error.code).toBe("TARGET_IS_ADMIN");
    }
    // The other admin is still one: they can use an admin route.
    const list = await outside.call("GET", "/admin/members?status=pending&limit=5", { as: otherAdmin });
    expect(list.status).toBe(200);
  });
});
