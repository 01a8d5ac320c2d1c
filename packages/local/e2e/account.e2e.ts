import { beforeAll, describe, expect, inject, it } from "vitest";
import { readOutputs } from "../src/outputs.js";
import { Outside, type User } from "./client.js";

/**
 * Export and deletion from outside: a member exports their data (the job runs on the Jobs stream, the
 * document lands in S3, the download link opens it and the member is emailed), a deletion
 * request needs the exact confirmation, and a deletion (the member's own or an admin's) leaves
 * no profile and none of their text behind.
 */
const outside = new Outside(readOutputs(inject("outputsFile")));
let vera: User;

interface Job {
  jobId: string;
  kind: string;
  status: string;
  progress: Record<string, number>;
  result: { downloadUrl: string; downloadUrlExpiresAt: string; expiresAt: string } | null;
}

beforeAll(async () => {
  vera = await outside.signUp("Vera", ["ApprovedUsers"]);
  const saved = await outside.call("PUT", "/profile", { as: vera, body: { displayName: "Vera" } });
  expect(saved.status).toBe(200);
});

describe("exporting my data", () => {
  it("runs the export, links the document and emails the member", async () => {
    const itemId = encodeURIComponent(`/e2e/${outside.runId}/export`);
    const posted = await outside.call("POST", `/comments/${itemId}`, {
      as: vera,
      body: { commentText: "A memory worth keeping" },
    });
    expect(posted.status).toBe(201);

    const requested = await outside.call<{ jobId: string; status: string }>("POST", "/me/exports", {
      as: vera,
    });
    expect(requested.status).toBe(202);
    const { jobId } = requested.body;
    const again = await outside.call<{ jobId: string }>("POST", "/me/exports", { as: vera });
    // The same job while it is still running; a fresh one only if it already finished.
    if (again.status === 200) expect(again.body.jobId).toBe(jobId);
    else expect(again.status).toBe(202);

    const done = await outside.eventually(
      "the export to complete",
      async () => {
        const job = await outside.call<Job>("GET", `/me/exports/${jobId}`, { as: vera });
        expect(job.status).toBe(200);
        expect(job.body.status).not.toBe("FAILED");
        return job.body.status === "COMPLETED" ? job.body : undefined;
      },
      60_000,
    );
    expect(done.progress.comments).toBeGreaterThanOrEqual(1);
    const download = await fetch(done.result!.downloadUrl);
    expect(download.status).toBe(200);
    const document = (await download.json()) as {
      schemaVersion: number;
      userId: string;
      comments: { commentText: string }[];
    };
    expect(document.schemaVersion).toBe(1);
    expect(document.userId).toBe(vera.userId);
    expect(document.comments.map((c) => c.commentText)).toContain("A memory worth keeping");

    const mail = await outside.eventually("the export-ready email", async () => {
      const emails = await outside.inbox(vera.email);
      return emails.find((email) => email.subject === "Your Hearth data export is ready");
    });
    expect(mail.body.text).toContain(jobId);

    const stranger = await outside.signUp("Walt", ["ApprovedUsers"]);
    expect((await outside.call("GET", `/me/exports/${jobId}`, { as: stranger })).status).toBe(404);
  });
});

describe("deleting my account", () => {
  it("refuses a request without the exact confirmation, starting nothing", async () => {
    const wrong = await outside.call<{ error: { code: string } }>("POST", "/me/deletion", {
      as: vera,
      body: { confirm: "delete me" },
    });
    expect(wrong.status).toBe(400);
    expect(wrong.body.error.code).toBe("INVALID_INPUT");
  });

  async function completed(path: string, as: User): Promise<Job> {
    return outside.eventually(
      "the deletion to complete",
      async () => {
        const job = await outside.call<Job>("GET", path, { as });
        expect(job.status).toBe(200);
        expect(job.body.status).not.toBe("FAILED");
        return job.body.status === "COMPLETED" ? job.body : undefined;
      },
      60_000,
    );
  }

  async function commentsOn(itemId: string, as: User): Promise<{ commentText: string; userId: string }[]> {
    const page = await outside.call<{ comments: { commentText: string; userId: string }[] }>(
      "GET",
      `/comments/${itemId}?limit=100`,
      { as },
    );
    expect(page.status).toBe(200);
    return page.body.comments;
  }

  it("deletes the member who asks: afterwards no profile and none of their text through the API", async () => {
    const leaver = await outside.signUp("Leaver", ["ApprovedUsers"]);
    const itemId = encodeURIComponent(`/e2e/${outside.runId}/farewell`);
    const text = `Words to take back ${outside.runId}`;
    expect(
      (await outside.call("POST", `/comments/${itemId}`, { as: leaver, body: { commentText: text } })).status,
    ).toBe(201);
    expect(
      (await outside.call("POST", `/comments/${itemId}`, { as: vera, body: { commentText: "Vera stays" } }))
        .status,
    ).toBe(201);

    const requested = await outside.call<{ jobId: string; status: string }>("POST", "/me/deletion", {
      as: leaver,
      body: { confirm: "DELETE MY ACCOUNT" },
    });
    expect(requested.status).toBe(202);
    // Their token stays valid until it expires, so they can follow the job to its end.
    const done = await completed(`/me/deletion/${requested.body.jobId}`, leaver);
    expect(done.progress).toMatchObject({ comments: 1, profile: 1, account: 1 });

    expect((await outside.call("GET", `/profile/${leaver.userId}`, { as: vera })).status).toBe(404);
    const left = await commentsOn(itemId, vera);
    expect(left.map((c) => c.commentText)).toEqual(["Vera stays"]);
    expect(JSON.stringify(left)).not.toContain(text);
  });

  it("lets an admin delete a member, not themself", async () => {
    const [keeper, cousin] = await Promise.all([
      outside.signUp("Warden", ["Admins"]),
      outside.signUp("Cousin", ["ApprovedUsers"]),
    ]);
    const self = await outside.call("DELETE", `/admin/members/${keeper.userId}`, { as: keeper });
    expect(self.status).toBe(403);

    const started = await outside.call<Job>("DELETE", `/admin/members/${cousin.userId}`, { as: keeper });
    expect(started.status).toBe(202);
    await completed(`/admin/members/${cousin.userId}/deletion/${started.body.jobId}`, keeper);
    expect((await outside.call("GET", `/profile/${cousin.userId}`, { as: keeper })).status).toBe(404);
  });

  it("is final and complete: nothing recreates the member; their left-group message, photos and name in others' feeds are gone", async () => {
    const [leaver, walt] = await Promise.all([
      outside.signUp("Lenny", ["ApprovedUsers"]),
      outside.signUp("Wren", ["ApprovedUsers"]),
    ]);
    for (const user of [leaver, walt]) {
      expect(
        (await outside.call("PUT", "/profile", { as: user, body: { displayName: user.name } })).status,
      ).toBe(200);
    }
    // Two uploaded photos, the first replaced by the second: both served while they are current.
    const png = Buffer.from(
      "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=",
      "base64",
    );
    const photoUrls: string[] = [];
    for (let n = 0; n < 2; n++) {
      const issued = await outside.call<{
        uploadUrl: string;
        uploadHeaders: Record<string, string>;
        photoKey: string;
      }>("POST", "/profile/photo", { as: leaver, body: { contentType: "image/png", size: png.length } });
      expect(issued.status).toBe(200);
      const put = await fetch(issued.body.uploadUrl, {
        method: "PUT",
        headers: issued.body.uploadHeaders,
        body: png,
      });
      expect(put.status).toBe(200);
      const saved = await outside.call("PUT", "/profile", {
        as: leaver,
        body: { profilePhotoKey: issued.body.photoKey },
      });
      expect(saved.status).toBe(200);
      const profile = await outside.call<{ profilePhotoUrl: string }>("GET", `/profile/${leaver.userId}`, {
        as: vera,
      });
      expect((await fetch(profile.body.profilePhotoUrl)).status).toBe(200);
      photoUrls.push(profile.body.profilePhotoUrl);
    }
    // A message in a group they then leave, and one to Vera that lands in her feed with their name.
    const secret = `Left-behind words ${outside.runId}`;
    const group = await outside.call<{ conversationId: string }>("POST", "/messages/conversations", {
      as: leaver,
      body: { participantIds: [vera.userId, walt.userId], messageText: secret, title: "Left behind" },
    });
    expect(group.status).toBe(201);
    const groupPath = `/messages/conversations/${group.body.conversationId}`;
    expect((await outside.call("POST", `${groupPath}/leave`, { as: leaver })).status).toBe(200);
    const preview = `For Vera only ${outside.runId}`;
    expect(
      (
        await outside.call("POST", "/messages/conversations", {
          as: leaver,
          body: { participantIds: [vera.userId], messageText: preview },
        })
      ).status,
    ).toBe(201);
    type Feed = { notifications: { actor: { userId: string; displayName: string }; preview: string }[] };
    const naming = async () =>
      (await outside.call<Feed>("GET", "/notifications?limit=50", { as: vera })).body.notifications.filter(
        (entry) => entry.actor.userId === leaver.userId,
      );
    await outside.eventually("Vera's feed entry naming Lenny", async () =>
      (await naming()).some((entry) => entry.preview.includes("For Vera only")) ? true : undefined,
    );

    const requested = await outside.call<{ jobId: string }>("POST", "/me/deletion", {
      as: leaver,
      body: { confirm: "DELETE MY ACCOUNT" },
    });
    expect(requested.status).toBe(202);
    await completed(`/me/deletion/${requested.body.jobId}`, leaver);

    // Their still-unexpired token recreates nothing.
    const again = await outside.call("PUT", "/profile", { as: leaver, body: { displayName: "Back again" } });
    expect(again.status).toBeGreaterThanOrEqual(401);
    expect(again.status).toBeLessThan(500);
    expect((await outside.call("GET", `/profile/${leaver.userId}`, { as: vera })).status).toBe(404);
    const members = await outside.call<{ members: { userId: string }[] }>("GET", "/members?limit=100", {
      as: vera,
    });
    expect(JSON.stringify(members.body)).not.toContain(leaver.userId);

    // The message in the group they had left is erased.
    const messages = await outside.call<{ messages: { messageText: string | null; deleted: boolean }[] }>(
      "GET",
      `${groupPath}?limit=50`,
      { as: vera },
    );
    expect(messages.status).toBe(200);
    expect(JSON.stringify(messages.body)).not.toContain(secret);
    // Vera's feed names a former member, without the preview.
    const entries = await naming();
    expect(entries.length).toBeGreaterThan(0);
    for (const entry of entries)
      expect(entry).toMatchObject({ actor: { displayName: "Former member" }, preview: "" });
    // Both photos, the current and the replaced one, are gone from the bucket.
    await outside.eventually("both photos to be deleted", async () => {
      const statuses = await Promise.all(photoUrls.map(async (url) => (await fetch(url)).status));
      return statuses.every((status) => status === 404) ? true : undefined;
    });
  });
});
