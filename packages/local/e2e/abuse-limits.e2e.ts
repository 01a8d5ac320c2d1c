import { beforeAll, describe, expect, inject, it } from "vitest";
import { readOutputs } from "../src/outputs.js";
import { Outside, type User } from "./client.js";

/**
 * What one member can do to others is bounded, from outside: a like toggled again and again
 * is one feed entry for the author, comment edits count against the comments rate limit, and
 * a profile photo is uploaded, never a link to another host. (A sixth socket is in the
 * realtime suite.)
 */
const outputs = readOutputs(inject("outputsFile"));
const outside = new Outside(outputs);
let ada: User;
let ben: User;

interface FeedEntry {
  kind: string;
  actor: { userId: string };
  commentId: string | null;
}

beforeAll(async () => {
  [ada, ben] = await Promise.all([
    outside.signUp("LimitAda", ["ApprovedUsers"]),
    outside.signUp("LimitBen", ["ApprovedUsers"]),
  ]);
  for (const user of [ada, ben]) {
    const saved = await outside.call("PUT", "/profile", { as: user, body: { displayName: user.name } });
    expect(saved.status).toBe(200);
  }
});

describe("bounded", () => {
  it("leaves one feed entry for a like toggled ten times", async () => {
    const itemPath = encodeURIComponent(`/e2e/likes-${outside.runId}`);
    const posted = await outside.call<{ commentId: string }>("POST", `/comments/${itemPath}`, {
      as: ada,
      body: { commentText: "The old mill, 1931" },
    });
    expect(posted.status).toBe(201);
    const { commentId } = posted.body;
    for (let i = 0; i < 10; i++) {
      expect((await outside.call("POST", `/reactions/${commentId}`, { as: ben })).status).toBe(200);
    }
    const likesOf = async () =>
      (
        await outside.call<{ notifications: FeedEntry[] }>("GET", "/notifications?limit=100", { as: ada })
      ).body.notifications.filter((n) => n.kind === "reaction" && n.commentId === commentId);
    await outside.eventually("Ada's feed to show Ben's like", async () => (await likesOf()).length > 0);
    // The other four likes are on the same stream behind the first: give them time to land.
    await new Promise((resolve) => setTimeout(resolve, 3000));
    expect((await likesOf()).map((n) => n.actor.userId)).toEqual([ben.userId]);
  });

  it("answers the eleventh comment edit in a minute with 429, leaving the comment as it was", async () => {
    const itemPath = encodeURIComponent(`/e2e/edits-${outside.runId}`);
    const posted = await outside.call<{ commentId: string }>("POST", `/comments/${itemPath}`, {
      as: ben,
      body: { commentText: "Version 0" },
    });
    expect(posted.status).toBe(201);
    const edit = (n: number) =>
      outside.call("PUT", `/comments/${itemPath}/${posted.body.commentId}`, {
        as: ben,
        body: { commentText: `Version ${n}` },
      });
    // The post spent one of the minute's ten: the ninth edit is the last that fits. Should the
    // minute turn over mid-way (a fresh window), the run goes once more.
    // It stops at the first refusal, so a window that turns over afterwards changes nothing.
    let statuses: number[] = [];
    let refused: Awaited<ReturnType<typeof edit>> | undefined;
    for (let attempt = 0; attempt < 2 && !refused; attempt++) {
      statuses = [];
      for (let n = 1; n <= 11 && !refused; n++) {
        const answer = await edit(n);
        statuses.push(answer.status);
        if (answer.status === 429) refused = answer;
      }
    }
    expect(statuses.filter((status) => status !== 200 && status !== 429)).toEqual([]);
    const refusedAt = statuses.indexOf(429);
    expect(refusedAt).toBeGreaterThanOrEqual(0);
    expect(refused?.headers.get("retry-after")).toMatch(/^\d+$/);
    const current = await outside.call<{ comments: { commentText: string }[] }>(
      "GET",
      `/comments/${itemPath}`,
      {
        as: ben,
      },
    );
    // The last edit that went through is the comment's text; the refused ones changed nothing.
    expect(current.body.comments[0]?.commentText).toBe(`Version ${refusedAt}`);
  });

  it("refuses a profile photo linked from another host with 400, changing nothing", async () => {
    const before = await outside.call("GET", `/profile/${ada.userId}`, { as: ada });
    const linked = await outside.call("PUT", "/profile", {
      as: ada,
      body: { displayName: "Renamed", profilePhotoUrl: "https://tracker.example.net/pixel.gif" },
    });
    expect(linked.status).toBe(400);
    expect(linked.body).toMatchObject({ error: { code: "INVALID_INPUT" } });
    expect((await outside.call("GET", `/profile/${ada.userId}`, { as: ada })).body).toEqual(before.body);
  });
});
