import { InitiateAuthCommand } from "@aws-sdk/client-cognito-identity-provider";
import type { Schemas } from "@hearth/client";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { readOutputs } from "../src/outputs.js";
import { Outside, type User } from "./client.js";

/**
 * Joining the family archive, driven only from outside: a new person signs up in
 * the user pool, waits, is approved by an admin, gets the welcome email and takes part.
 */
const outside = new Outside(readOutputs(inject("outputsFile")));
let newcomer: User;
let admin: User;
let member: User;

type AdminMember = Schemas["AdminMember"];

/** Every page of the admins' list with `status`. */
async function everyone(status: "pending" | "approved"): Promise<AdminMember[]> {
  const members: AdminMember[] = [];
  let cursor: string | null = null;
  do {
    const query: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : "";
    const page = await outside.call<{ members: AdminMember[]; nextCursor: string | null }>(
      "GET",
      `/admin/members?status=${status}&limit=50${query}`,
      { as: admin },
    );
    expect(page.status).toBe(200);
    members.push(...page.body.members);
    cursor = page.body.nextCursor;
  } while (cursor);
  return members;
}

/** Signs `user` in again: the new ID token carries the groups they are in now. */
async function signInAgain(user: User): Promise<User> {
  const auth = await outside.cognito.send(
    new InitiateAuthCommand({
      AuthFlow: "USER_PASSWORD_AUTH",
      ClientId: outside.outputs.UserPoolClientId,
      AuthParameters: { USERNAME: user.email, PASSWORD: user.password },
    }),
  );
  return { ...user, token: auth.AuthenticationResult!.IdToken! };
}

const welcomes = async (user: User) =>
  (await outside.inbox(user.email)).filter((mail) => mail.subject === "Welcome to the family archive");

beforeAll(async () => {
  [newcomer, admin, member] = await Promise.all([
    // AdminCreateUser + AdminSetUserPassword, in no group: what signing up gives.
    outside.signUp("Newcomer", []),
    outside.signUp("Keeper", ["Admins"]),
    outside.signUp("Cousin", ["ApprovedUsers"]),
  ]);
});

describe("joining the family archive", () => {
  const itemPath = () => `/comments/${encodeURIComponent(`/e2e/${outside.runId}/joining`)}`;

  it("tells someone who signed up that their membership awaits approval, on every member route", async () => {
    for (const [method, path] of [
      ["GET", itemPath()],
      ["GET", "/members"],
      ["GET", `/profile/${newcomer.userId}`],
    ] as const) {
      const refused = await outside.call<{ error: { code: string; message: string } }>(method, path, {
        as: newcomer,
      });
      expect(refused.status, path).toBe(403);
      expect(refused.body.error).toEqual({
        code: "MEMBERSHIP_PENDING",
        message: expect.stringMatching(/approval/),
      });
    }
    const posted = await outside.call("POST", itemPath(), { as: newcomer, body: { commentText: "Hello?" } });
    expect(posted.status).toBe(403);
  });

  it("shows them to the admins as pending, and a member gets 403 FORBIDDEN on the admin routes", async () => {
    const pending = await everyone("pending");
    expect(pending.find((person) => person.userId === newcomer.userId)).toEqual({
      userId: newcomer.userId,
      displayName: newcomer.email.split("@")[0],
      email: newcomer.email,
      createdAt: expect.any(String),
      status: "pending",
      approvedAt: null,
      approvedBy: null,
      revokedAt: null,
      revokedBy: null,
    });
    expect(pending.map((person) => person.userId)).not.toContain(member.userId);

    for (const [method, path] of [
      ["GET", "/admin/members"],
      ["POST", `/admin/members/${newcomer.userId}/approve`],
    ] as const) {
      const refused = await outside.call<{ error: { code: string } }>(method, path, { as: member });
      expect(refused.status, path).toBe(403);
      expect(refused.body.error.code).toBe("FORBIDDEN");
    }
    expect((await outside.call("GET", "/admin/members?status=everyone", { as: admin })).status).toBe(400);
  });

  it("lets an admin approve them: the welcome email arrives, and after a new sign-in they can comment", async () => {
    const approved = await outside.call<AdminMember>("POST", `/admin/members/${newcomer.userId}/approve`, {
      as: admin,
    });
    expect(approved.status).toBe(200);
    expect(approved.body).toMatchObject({
      userId: newcomer.userId,
      status: "approved",
      approvedBy: admin.userId,
      approvedAt: expect.any(String),
    });
    expect((await everyone("approved")).map((person) => person.userId)).toContain(newcomer.userId);
    expect((await everyone("pending")).map((person) => person.userId)).not.toContain(newcomer.userId);

    const [welcome] = await outside.eventually("the welcome email", async () => {
      const mails = await welcomes(newcomer);
      return mails.length > 0 && mails;
    });
    expect(welcome!.body.html).toContain(`Dear ${newcomer.email.split("@")[0]},`);
    expect(welcome!.body.text).toMatch(/Open the archive: https?:\/\//);

    // The old token still carries no group; the next sign-in (or refresh) carries ApprovedUsers.
    expect((await outside.call("GET", itemPath(), { as: newcomer })).status).toBe(403);
    newcomer = await signInAgain(newcomer);
    const comment = await outside.call("POST", itemPath(), {
      as: newcomer,
      body: { commentText: "Glad to be here", itemTitle: "Joining" },
    });
    expect(comment.status).toBe(201);
    const directory = await outside.call<{ members: { userId: string }[] }>("GET", "/members?limit=100", {
      as: member,
    });
    expect(directory.body.members.map((entry) => entry.userId)).toContain(newcomer.userId);
  });

  it("changes nothing and sends no second email when they are approved again", async () => {
    const before = await everyone("approved");
    const again = await outside.call<AdminMember>("POST", `/admin/members/${newcomer.userId}/approve`, {
      as: admin,
    });
    expect(again.status).toBe(200);
    expect(again.body).toEqual(before.find((person) => person.userId === newcomer.userId));
    // Long enough for the stream pollers to have delivered anything the second call caused.
    await new Promise((resolve) => setTimeout(resolve, 3000));
    expect(await welcomes(newcomer)).toHaveLength(1);
    expect((await outside.call("POST", "/admin/members/no-such-person/approve", { as: admin })).status).toBe(
      404,
    );
  });
});
