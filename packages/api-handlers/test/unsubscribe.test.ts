import { UnsubscribeTokens } from "@hearth/domain";
import { describe, expect, it } from "vitest";
import { saveProfile, TEST_UNSUBSCRIBE_SECRET, type TestUser, useTestApi } from "./helpers.js";

const api = useTestApi("unsubscribe");
const tokens = new UnsubscribeTokens(TEST_UNSUBSCRIBE_SECRET);

let sequence = 0;
/** A member with a saved profile, every email on. */
async function member(): Promise<TestUser> {
  const user = {
    userId: `user-unsub-${++sequence}`,
    email: `unsub-${sequence}@example.org`,
    groups: ["ApprovedUsers"],
  };
  await saveProfile(api().call, user);
  return user;
}

const preferencesOf = async (user: TestUser) =>
  (await api().db.repositories.profiles.get(user.userId))?.notificationPreferences;
const ALL_ON = { comments: true, reactions: true, messages: true, replies: true, mentions: true };
/** The one-click POST a mail client sends (RFC 8058): form-encoded, no token header. */
const oneClick = {
  caller: null,
  body: "List-Unsubscribe=One-Click",
  contentType: "application/x-www-form-urlencoded",
};

describe("GET /unsubscribe", () => {
  it("shows a page with a button that POSTs to the same link, changing nothing, without a Cognito token", async () => {
    const user = await member();
    const token = tokens.issue(user.userId, "reaction", new Date());
    const response = await api().call("GET", "/unsubscribe", { caller: null, query: { token } });
    expect(response.status).toBe(200);
    expect(response.headers["Content-Type"]).toBe("text/html; charset=utf-8");
    expect(response.headers["Content-Security-Policy"]).toContain("default-src 'none'");
    expect(response.body).toContain("likes on your comments");
    expect(response.body).toContain(`<form method="post" action="?token=${encodeURIComponent(token)}">`);
    // Nothing about the person: not their id, not their address.
    expect(response.body).not.toContain(user.userId);
    expect(response.body).not.toContain(user.email);
    expect(await preferencesOf(user)).toEqual(ALL_ON);
  });

  it("refuses a tampered link with a clear 400", async () => {
    const user = await member();
    const token = tokens.issue(user.userId, "comment", new Date());
    const response = await api().call("GET", "/unsubscribe", { caller: null, query: { token: `${token}x` } });
    expect(response.status).toBe(400);
    expect(response.body.error.message).toMatch(/not valid/);
    const missing = await api().call("GET", "/unsubscribe", { caller: null });
    expect(missing.status).toBe(400);
    expect(missing.body.error.message).toMatch(/no token/);
  });
});

describe("POST /unsubscribe", () => {
  it("turns that one kind off for that one member, by one-click or an empty body, and again changes nothing", async () => {
    const user = await member();
    const other = await member();
    const token = tokens.issue(user.userId, "comment", new Date());
    const response = await api().call("POST", "/unsubscribe", { ...oneClick, query: { token } });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ unsubscribed: "comments" });
    expect(await preferencesOf(user)).toEqual({ ...ALL_ON, comments: false });
    expect(await preferencesOf(other)).toEqual(ALL_ON);

    const messages = tokens.issue(user.userId, "message", new Date());
    const empty = await api().call("POST", "/unsubscribe", { caller: null, query: { token: messages } });
    expect(empty.status).toBe(200);
    expect(empty.body).toEqual({ unsubscribed: "messages" });
    const again = await api().call("POST", "/unsubscribe", { ...oneClick, query: { token } });
    expect(again.status).toBe(200);
    expect(await preferencesOf(user)).toEqual({ ...ALL_ON, comments: false, messages: false });
  });

  it("refuses a tampered, expired or foreign token and changes nothing", async () => {
    const user = await member();
    const now = new Date();
    const valid = tokens.issue(user.userId, "comment", now);
    const [payload, signature] = valid.split(".") as [string, string];
    const otherUser = Buffer.from(
      JSON.stringify({ ...JSON.parse(Buffer.from(payload, "base64url").toString()), u: "user-someone-else" }),
    ).toString("base64url");
    const refused = [
      `${otherUser}.${signature}`,
      `${payload}.${signature.slice(0, -1)}${signature.endsWith("A") ? "B" : "A"}`,
      tokens.issue(user.userId, "comment", new Date(now.getTime() - 200 * 24 * 60 * 60 * 1000)),
      new UnsubscribeTokens("some-other-environments-secret").issue(user.userId, "comment", now),
    ];
    for (const token of refused) {
      const response = await api().call("POST", "/unsubscribe", { ...oneClick, query: { token } });
      expect(response.status).toBe(400);
      expect(response.body.error.code).toBe("INVALID_INPUT");
    }
    expect(await preferencesOf(user)).toEqual(ALL_ON);
  });

  it("answers 200 for a member who no longer has a profile, and creates none", async () => {
    const token = tokens.issue("user-long-gone", "reaction", new Date());
    const response = await api().call("POST", "/unsubscribe", { ...oneClick, query: { token } });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ unsubscribed: "reactions" });
    expect(await api().db.repositories.profiles.get("user-long-gone")).toBeNull();
  });

  it("ignores a Cognito token and an Idempotency-Key: the link alone decides", async () => {
    const user = await member();
    const token = tokens.issue(user.userId, "reaction", new Date());
    const response = await api().call("POST", "/unsubscribe", {
      query: { token },
      headers: { "Idempotency-Key": "unsub-1" },
    });
    expect(response.status).toBe(200);
    expect(response.headers["Idempotent-Replayed"]).toBeUndefined();
    expect(await preferencesOf(user)).toEqual({ ...ALL_ON, reactions: false });
  });
});
