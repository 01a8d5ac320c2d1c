import { exportObjectKey } from "@hearth/domain";
import { describe, expect, it } from "vitest";
import { saveProfile, TEST_BUCKET, type TestUser, users, useTestApi } from "./helpers.js";

const api = useTestApi("jobs");

const member = (name: string): TestUser => ({
  userId: `user-${name}`,
  email: `${name}@example.org`,
  groups: ["ApprovedUsers"],
});

const requestExport = (caller: TestUser) => api().call("POST", "/me/exports", { caller });
const getExport = (caller: TestUser, jobId: string) =>
  api().call("GET", "/me/exports/{jobId}", { caller, pathParameters: { jobId } });

/** Runs the job to COMPLETED the way the export worker does. */
async function completeExport(userId: string, jobId: string) {
  const { jobs } = api().db.repositories;
  await jobs.start({ userId, jobId });
  return jobs.complete(
    { userId, jobId, kind: "export" },
    {
      objectKey: exportObjectKey(userId, jobId),
      exportedAt: "2026-12-01T10:00:00.000Z",
      expiresAt: "2026-12-08T10:00:00.000Z",
      counts: { comments: 2 },
    },
  );
}

describe("POST /me/exports", () => {
  it("starts an export (202), and while it runs every request gets the same job (200)", async () => {
    const caller = member("exporter");
    const started = await requestExport(caller);
    expect(started.status).toBe(202);
    expect(started.body).toEqual({ jobId: expect.any(String), status: "PENDING" });
    const again = await requestExport(caller);
    expect(again.status).toBe(200);
    expect(again.body).toEqual(started.body);

    await api().db.repositories.jobs.start({ userId: caller.userId, jobId: started.body.jobId });
    const whileRunning = await requestExport(caller);
    expect(whileRunning.status).toBe(200);
    expect(whileRunning.body).toEqual({ jobId: started.body.jobId, status: "IN_PROGRESS" });
  });

  it("creates one job for concurrent requests", async () => {
    const caller = member("eager");
    const responses = await Promise.all(Array.from({ length: 8 }, () => requestExport(caller)));
    expect(responses.filter((r) => r.status === 202)).toHaveLength(1);
    expect(responses.filter((r) => r.status === 200)).toHaveLength(7);
    expect(new Set(responses.map((r) => r.body.jobId)).size).toBe(1);
  });
});

describe("GET /me/exports/{jobId}", () => {
  it("shows the running job without a result", async () => {
    const caller = member("watcher");
    const { body } = await requestExport(caller);
    const response = await getExport(caller, body.jobId);
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      jobId: body.jobId,
      kind: "export",
      status: "PENDING",
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
      progress: {},
      error: null,
      result: null,
      expiresAt: null,
    });
  });

  it("gives a completed export a download link signed now for 24 hours, and when the export expires", async () => {
    const caller = member("downloader");
    const { body } = await requestExport(caller);
    await completeExport(caller.userId, body.jobId);
    const response = await getExport(caller, body.jobId);
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({
      status: "COMPLETED",
      result: {
        expiresAt: "2026-12-08T10:00:00.000Z",
        exportedAt: "2026-12-01T10:00:00.000Z",
        counts: { comments: 2 },
      },
    });
    expect(Date.parse(response.body.expiresAt)).toBeGreaterThan(Date.now() + 6 * 24 * 3600_000);
    const url = new URL(response.body.result.downloadUrl);
    expect(url.pathname).toBe(`/${TEST_BUCKET}/${exportObjectKey(caller.userId, body.jobId)}`);
    expect(url.searchParams.get("X-Amz-Expires")).toBe(String(24 * 60 * 60));
    expect(url.searchParams.get("response-content-disposition")).toBe(
      'attachment; filename="hearth-export.json"',
    );
    const signedAt = Date.parse(
      (url.searchParams.get("X-Amz-Date") ?? "").replace(
        /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/,
        "$1-$2-$3T$4:$5:$6Z",
      ),
    );
    expect(Math.abs(signedAt - Date.now())).toBeLessThan(60_000);
    expect(Date.parse(response.body.result.downloadUrlExpiresAt) - signedAt).toBeGreaterThanOrEqual(
      24 * 3600_000 - 1000,
    );
    expect(response.body.result.objectKey).toBeUndefined();
  });

  it("is 404 for another member's job, a deletion job, or an unknown id", async () => {
    const owner = member("owner");
    const { body } = await requestExport(owner);
    for (const [caller, jobId] of [
      [member("snoop"), body.jobId],
      [users.admin, body.jobId],
      [owner, "01JZZZZZZZZZZZZZZZZZZZZZZZ"],
      [owner, "active#export"],
    ] as const) {
      const response = await getExport(caller, jobId);
      expect(response.status).toBe(404);
      expect(response.body.error.code).toBe("NOT_FOUND");
    }
    const deletion = await api().call("POST", "/me/deletion", {
      caller: owner,
      body: { confirm: "DELETE MY ACCOUNT" },
    });
    expect((await getExport(owner, deletion.body.jobId)).status).toBe(404);
    expect(
      (
        await api().call("GET", "/me/deletion/{jobId}", {
          caller: owner,
          pathParameters: { jobId: body.jobId },
        })
      ).status,
    ).toBe(404);
  });
});

describe("POST /me/deletion", () => {
  it.each([
    ["no body field", {}],
    ["a lower-case confirmation", { confirm: "delete my account" }],
    ["another phrase", { confirm: "yes" }],
    ["an extra field", { confirm: "DELETE MY ACCOUNT", also: true }],
  ])("refuses %s with 400 and starts nothing", async (_, body) => {
    const caller = member(`hesitant-${Object.keys(body).length}-${JSON.stringify(body).length}`);
    const response = await api().call("POST", "/me/deletion", { caller, body });
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe("INVALID_INPUT");
    expect(response.raw.body).not.toContain("delete my account");
    const page = await api().db.repositories.jobs.listForUser(caller.userId, {});
    expect(page.items).toEqual([]);
  });

  it("starts a deletion with the exact confirmation (202), then returns the running one (200)", async () => {
    const caller = member("leaver");
    const body = { confirm: "DELETE MY ACCOUNT" };
    const started = await api().call("POST", "/me/deletion", { caller, body });
    expect(started.status).toBe(202);
    expect(started.body).toEqual({ jobId: expect.any(String), status: "PENDING" });
    const again = await api().call("POST", "/me/deletion", { caller, body });
    expect([again.status, again.body.jobId]).toEqual([200, started.body.jobId]);
    const shown = await api().call("GET", "/me/deletion/{jobId}", {
      caller,
      pathParameters: { jobId: started.body.jobId },
    });
    expect(shown.status).toBe(200);
    expect(shown.body).toMatchObject({ kind: "deletion", status: "PENDING", result: null });
  });
});

describe("DELETE /admin/members/{userId}", () => {
  it("starts a deletion of a member recorded as the admin's (202), and the admin can follow it", async () => {
    const { call, db } = api();
    const target = member("removed");
    await saveProfile(call, target);
    const response = await call("DELETE", "/admin/members/{userId}", {
      caller: users.admin,
      pathParameters: { userId: target.userId },
    });
    expect(response.status).toBe(202);
    expect(response.body).toMatchObject({ kind: "deletion", status: "PENDING", result: null, error: null });
    const stored = await db.repositories.jobs.get(target.userId, response.body.jobId);
    expect(stored).toMatchObject({ userId: target.userId, requestedBy: users.admin.userId });

    const again = await call("DELETE", "/admin/members/{userId}", {
      caller: users.admin,
      pathParameters: { userId: target.userId },
    });
    expect([again.status, again.body.jobId]).toEqual([200, response.body.jobId]);
    // The member's own request while it runs is the same job.
    const own = await call("POST", "/me/deletion", {
      caller: target,
      body: { confirm: "DELETE MY ACCOUNT" },
    });
    expect([own.status, own.body.jobId]).toEqual([200, response.body.jobId]);

    const followed = await call("GET", "/admin/members/{userId}/deletion/{jobId}", {
      caller: users.admin,
      pathParameters: { userId: target.userId, jobId: response.body.jobId },
    });
    expect(followed.status).toBe(200);
    expect(followed.body).toMatchObject({ jobId: response.body.jobId, kind: "deletion" });
  });

  it("is 404 for a person with no profile, and 403 for the admin themself, starting nothing", async () => {
    const { call, db } = api();
    const missing = await call("DELETE", "/admin/members/{userId}", {
      caller: users.admin,
      pathParameters: { userId: "user-nobody" },
    });
    expect(missing.status).toBe(404);
    await saveProfile(call, users.admin);
    const self = await call("DELETE", "/admin/members/{userId}", {
      caller: users.admin,
      pathParameters: { userId: users.admin.userId },
    });
    expect(self.status).toBe(403);
    expect(self.body.error.code).toBe("FORBIDDEN");
    for (const userId of ["user-nobody", users.admin.userId]) {
      expect((await db.repositories.jobs.listForUser(userId, {})).items).toEqual([]);
    }
  });

  it("is for admins only, like following a deletion", async () => {
    const { call } = api();
    const target = member("protected");
    await saveProfile(call, target);
    const response = await call("DELETE", "/admin/members/{userId}", {
      caller: users.alice,
      pathParameters: { userId: target.userId },
    });
    expect(response.status).toBe(403);
    const follow = await call("GET", "/admin/members/{userId}/deletion/{jobId}", {
      caller: users.alice,
      pathParameters: { userId: target.userId, jobId: "01JZZZZZZZZZZZZZZZZZZZZZZZ" },
    });
    expect(follow.status).toBe(403);
    expect((await api().db.repositories.jobs.listForUser(target.userId, {})).items).toEqual([]);
  });

  it("is 404 when following a job of another member or another kind", async () => {
    const { call } = api();
    const target = member("followed");
    const exported = await requestExport(target);
    const response = await call("GET", "/admin/members/{userId}/deletion/{jobId}", {
      caller: users.admin,
      pathParameters: { userId: target.userId, jobId: exported.body.jobId },
    });
    expect(response.status).toBe(404);
  });
});
