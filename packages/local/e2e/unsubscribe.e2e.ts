import { beforeAll, describe, expect, inject, it } from "vitest";
import { readOutputs } from "../src/outputs.js";
import { type Email, Outside, type User } from "./client.js";

const ALL_ON = { comments: true, reactions: true, messages: true, replies: true, mentions: true };

/**
 * One-click unsubscribe from outside: a comment email carries a signed
 * List-Unsubscribe link (RFC 8058); GET shows a page and changes nothing, POST turns comment
 * emails off, a tampered link is refused and changes nothing.
 */
const outputs = readOutputs(inject("outputsFile"));
const outside = new Outside(outputs);
let ada: User;
let ben: User;

const headerOf = (email: Email | undefined, name: string) =>
  email?.headers?.find((header) => header.name.toLowerCase() === name.toLowerCase())?.value;

const preferencesOf = async (user: User) =>
  (
    await outside.call<{ notificationPreferences: Record<string, boolean> }>(
      "GET",
      `/profile/${user.userId}`,
      { as: user },
    )
  ).body.notificationPreferences;

/** The link as a mail client sees it, contract-checked through the e2e fetch. */
async function request(method: "GET" | "POST", url: string, body?: string) {
  const response = await outside.fetch(url, {
    method,
    ...(body === undefined ? {} : { body, headers: { "Content-Type": "application/x-www-form-urlencoded" } }),
  });
  return {
    status: response.status,
    type: response.headers.get("content-type") ?? "",
    text: await response.text(),
  };
}

beforeAll(async () => {
  [ada, ben] = await Promise.all([
    outside.signUp("Una", ["ApprovedUsers"]),
    outside.signUp("Sam", ["ApprovedUsers"]),
  ]);
  for (const user of [ada, ben]) {
    const saved = await outside.call("PUT", "/profile", { as: user, body: { displayName: user.name } });
    expect(saved.status).toBe(200);
  }
});

describe("one-click unsubscribe", () => {
  it("links every notification email to a page that changes nothing and a POST that turns that kind off", async () => {
    const itemId = `/1971/unsubscribe-${Date.now()}`;
    const itemPath = encodeURIComponent(itemId);
    const post = (as: User, commentText: string) =>
      outside.call("POST", `/comments/${itemPath}`, {
        as,
        body: { commentText, itemTitle: "Holidays, 1971" },
      });
    expect((await post(ada, "The caravan!")).status).toBe(201);
    expect((await post(ben, "And the dog")).status).toBe(201);

    const email = await outside.eventually(
      "Una's comment email",
      async () => (await outside.inbox(ada.email))[0],
    );
    expect(headerOf(email, "List-Unsubscribe-Post")).toBe("List-Unsubscribe=One-Click");
    const link = /^<(.+)>$/.exec(headerOf(email, "List-Unsubscribe") ?? "")?.[1] ?? "";
    expect(link.startsWith(`${outputs.ApiUrl.replace(/\/$/, "")}/unsubscribe?token=`)).toBe(true);
    expect(email.body.text).toMatch(/Manage notifications: \S+\/profile$/);

    // A mail scanner following the link: a page with a button, nothing changed.
    const page = await request("GET", link);
    expect(page.status).toBe(200);
    expect(page.type).toMatch(/^text\/html/);
    expect(page.text).toContain('<form method="post"');
    expect(page.text).not.toContain(ada.email);
    expect(await preferencesOf(ada)).toEqual(ALL_ON);

    // A tampered link: refused, nothing changed.
    const token = new URL(link).searchParams.get("token") ?? "";
    const [payload, signature] = token.split(".") as [string, string];
    const forPayload = JSON.parse(Buffer.from(payload, "base64url").toString());
    const forBen = Buffer.from(JSON.stringify({ ...forPayload, u: ben.userId })).toString("base64url");
    const tampered = new URL(link);
    tampered.searchParams.set("token", `${forBen}.${signature}`);
    const refused = await request("POST", tampered.toString(), "List-Unsubscribe=One-Click");
    expect(refused.status).toBe(400);
    expect(JSON.parse(refused.text).error.message).toMatch(/not valid/);
    expect(await preferencesOf(ben)).toEqual(ALL_ON);
    expect(await preferencesOf(ada)).toEqual(ALL_ON);

    // The mail client's one-click POST (RFC 8058), no sign-in.
    const done = await request("POST", link, "List-Unsubscribe=One-Click");
    expect(done.status).toBe(200);
    expect(JSON.parse(done.text)).toEqual({ unsubscribed: "comments" });
    expect(await preferencesOf(ada)).toEqual({ ...ALL_ON, comments: false });

    // Another comment reaches Una's feed (the processor handled it) but no email of that kind.
    expect((await post(ben, "Who took this one?")).status).toBe(201);
    await outside.eventually("the next comment in Una's feed", async () => {
      const feed = await outside.call<{ notifications: { itemId: string | null }[] }>(
        "GET",
        "/notifications?limit=50",
        { as: ada },
      );
      return feed.body.notifications.filter((entry) => entry.itemId === itemId).length === 2;
    });
    expect(
      (await outside.inbox(ada.email)).filter((mail) => mail.subject.startsWith("New comment")),
    ).toHaveLength(1);
  });
});
