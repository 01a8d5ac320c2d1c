import { beforeAll, describe, expect, inject, it } from "vitest";
import { readOutputs } from "../src/outputs.js";
import { type Email, Outside, type User } from "./client.js";

/**
 * Digest instead of drop, from outside: a burst of comments on items a member
 * commented on gives her one email at once and, when the window closes (the local
 * scheduler fires the window's one-time schedule), one digest listing the rest.
 */
const outputs = readOutputs(inject("outputsFile"));
const windowSeconds = inject("notificationWindowSeconds");
const outside = new Outside(outputs);
let ada: User;
let ben: User;

beforeAll(async () => {
  [ada, ben] = await Promise.all([
    outside.signUp("Ada", ["ApprovedUsers"]),
    outside.signUp("Ben", ["ApprovedUsers"]),
  ]);
  for (const user of [ada, ben]) {
    const saved = await outside.call("PUT", "/profile", { as: user, body: { displayName: user.name } });
    expect(saved.status).toBe(200);
  }
});

const comment = async (as: User, itemId: string, itemTitle: string, commentText: string) => {
  const posted = await outside.call("POST", `/comments/${encodeURIComponent(itemId)}`, {
    as,
    body: { commentText, itemTitle },
  });
  expect(posted.status).toBe(201);
};

// A stack started elsewhere keeps its own window (15 minutes by default): too long to wait for.
describe.skipIf(!windowSeconds)("digest emails", () => {
  it("turn a burst of comments into one email at once and one digest listing the rest", async () => {
    const stamp = Date.now();
    const christmas = `/2015/christmas-${stamp}`;
    const letters = `/1962/letters-${stamp}`;
    await comment(ada, christmas, "Christmas 2015", "What a tree");
    await comment(ada, letters, "Letters, 1962", "Grandpa's hand");

    await comment(ben, christmas, "Christmas 2015", "The first of many");
    const [first] = await outside.eventually("Ada's first email", async () => {
      const inbox = await outside.inbox(ada.email);
      return inbox.length > 0 && inbox;
    });
    expect(first!.subject).toBe('New comment on "Christmas 2015"');
    // The rest of the burst, at once, lands in the same window: held, not emailed now.
    await Promise.all([
      ...["Look at the lights", "And the cat", "Who took this?"].map((text) =>
        comment(ben, christmas, "Christmas 2015", text),
      ),
      comment(ben, letters, "Letters, 1962", "That stamp!"),
    ]);

    const isDigest = (mail: Email) => /^\d+ new /.test(mail.subject);
    const digest = await outside.eventually(
      "Ada's digest",
      async () => (await outside.inbox(ada.email)).find(isDigest),
      windowSeconds * 1000 + 30_000,
    );
    expect(digest.subject).toBe('3 new comments on "Christmas 2015" and 1 on "Letters, 1962"');
    expect(digest.body.text).toContain(christmas);
    expect(digest.body.text).toContain(letters);
    expect(digest.body.html).toContain(`href="`);
    // One immediate email and one digest: nothing dropped, nothing twice.
    const inbox = await outside.inbox(ada.email);
    expect(inbox.map((mail) => mail.subject)).toEqual([first!.subject, digest.subject]);
    // Ben wrote them all: he hears nothing.
    expect(await outside.inbox(ben.email)).toEqual([]);
  });
});
