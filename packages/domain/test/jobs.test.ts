import { GetCommand } from "@aws-sdk/lib-dynamodb";
import { describe, expect, it } from "vitest";
import { createRepositories } from "../src/repositories/index.js";
import { activeJobMarkerId } from "../src/repositories/jobs.js";
import { FINISHED_JOB_RETENTION_SECONDS, IllegalJobTransitionError, type Job } from "../src/rules/jobs.js";
import { useTestDatabase } from "./helpers.js";

const db = useTestDatabase("jobs");
const jobsOf = () => createRepositories(db()).jobs;

async function refusal(promise: Promise<unknown>): Promise<IllegalJobTransitionError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof IllegalJobTransitionError) return error;
    throw error;
  }
  throw new Error("The transition was allowed");
}

async function markerOf(userId: string, kind: Job["kind"]) {
  const { Item } = await db().doc.send(
    new GetCommand({
      TableName: db().tables.Jobs,
      Key: { userId, jobId: activeJobMarkerId(kind) },
      ConsistentRead: true,
    }),
  );
  return Item;
}

describe("job creation", () => {
  it("creates exactly one job of 10 concurrent requests, and every request gets that job", async () => {
    const jobs = jobsOf();
    const outcomes = await Promise.all(
      Array.from({ length: 10 }, () => jobs.createOrGetActive("export", "creator-a", "creator-a")),
    );
    expect(outcomes.filter((o) => o.created)).toHaveLength(1);
    const jobIds = new Set(outcomes.map((o) => o.job.jobId));
    expect(jobIds.size).toBe(1);
    const page = await jobs.listForUser("creator-a", { limit: 100 });
    expect(page.items.map((job) => job.jobId)).toEqual([...jobIds]);
    expect(page.items[0]).toMatchObject({
      kind: "export",
      userId: "creator-a",
      requestedBy: "creator-a",
      status: "PENDING",
      progress: {},
    });
  });

  it("returns the running job while one is active, and a new one once it finished", async () => {
    const jobs = jobsOf();
    const first = await jobs.createOrGetActive("export", "creator-b", "creator-b");
    await jobs.start(first.job);
    const again = await jobs.createOrGetActive("export", "creator-b", "creator-b");
    expect(again).toMatchObject({ created: false, job: { jobId: first.job.jobId, status: "IN_PROGRESS" } });
    // Another kind is its own job.
    const deletion = await jobs.createOrGetActive("deletion", "creator-b", "admin-1");
    expect(deletion.created).toBe(true);
    expect(deletion.job.requestedBy).toBe("admin-1");

    await jobs.complete(first.job, { objectKey: "exports/creator-b/x/hearth-export.json" });
    expect(await markerOf("creator-b", "export")).toBeUndefined();
    expect(await markerOf("creator-b", "deletion")).toMatchObject({ activeJobId: deletion.job.jobId });
    const next = await jobs.createOrGetActive("export", "creator-b", "creator-b");
    expect(next.created).toBe(true);
    expect(next.job.jobId).not.toBe(first.job.jobId);
  });

  it("keeps markers out of get and the member's job list", async () => {
    const jobs = jobsOf();
    await jobs.createOrGetActive("export", "creator-c", "creator-c");
    expect(await jobs.get("creator-c", activeJobMarkerId("export"))).toBeNull();
    expect((await jobs.listForUser("creator-c", {})).items).toHaveLength(1);
  });

  it("pages through a member's jobs with a cursor", async () => {
    const jobs = jobsOf();
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const { job } = await jobs.createOrGetActive("export", "creator-d", "creator-d");
      ids.push(job.jobId);
      await jobs.start(job);
      await jobs.fail(job, { code: "TEST", message: "done" });
    }
    const first = await jobs.listForUser("creator-d", { limit: 2 });
    expect(first.items).toHaveLength(2);
    const second = await jobs.listForUser("creator-d", { limit: 2, cursor: first.nextCursor });
    expect([...first.items, ...second.items].map((job) => job.jobId)).toEqual(ids);
    expect(second.nextCursor).toBeNull();
  });

  it("only finds a job in its owner's partition", async () => {
    const jobs = jobsOf();
    const { job } = await jobs.createOrGetActive("export", "owner-x", "owner-x");
    expect(await jobs.get("owner-x", job.jobId)).toMatchObject({ jobId: job.jobId });
    expect(await jobs.get("someone-else", job.jobId)).toBeNull();
  });
});

describe("job transitions", () => {
  const now = new Date("2026-12-01T10:00:00.000Z");
  const jobsAt = () => createRepositories({ ...db(), now: () => now }).jobs;

  it("walks PENDING → IN_PROGRESS → IN_PROGRESS (checkpoint) → COMPLETED, expiring 7 days after", async () => {
    const jobs = jobsAt();
    const { job } = await jobs.createOrGetActive("export", "walker-a", "walker-a");
    expect(await jobs.start(job)).toMatchObject({ status: "IN_PROGRESS" });
    const saved = await jobs.checkpoint(job, { comments: 100 }, { step: "comments" });
    expect(saved).toMatchObject({
      status: "IN_PROGRESS",
      progress: { comments: 100 },
      checkpoint: { step: "comments" },
    });
    const done = await jobs.complete(job, { objectKey: "k" });
    expect(done).toMatchObject({
      status: "COMPLETED",
      result: { objectKey: "k" },
      progress: { comments: 100 },
    });
    expect(done.checkpoint).toBeUndefined();
    expect(done.expiresAt).toBe(Math.floor(now.getTime() / 1000) + FINISHED_JOB_RETENTION_SECONDS);
  });

  it("records a failure with its code and message, expiring 7 days after", async () => {
    const jobs = jobsAt();
    const { job } = await jobs.createOrGetActive("deletion", "walker-b", "walker-b");
    await jobs.start(job);
    const failed = await jobs.fail(job, { code: "PROFILE_GONE", message: "No profile" });
    expect(failed).toMatchObject({
      status: "FAILED",
      error: { code: "PROFILE_GONE", message: "No profile" },
    });
    expect(failed.result).toBeUndefined();
    expect(failed.expiresAt).toBe(Math.floor(now.getTime() / 1000) + FINISHED_JOB_RETENTION_SECONDS);
    expect(await markerOf("walker-b", "deletion")).toBeUndefined();
  });

  it("refuses every transition out of PENDING other than start, changing nothing", async () => {
    const jobs = jobsAt();
    const { job } = await jobs.createOrGetActive("export", "illegal-a", "illegal-a");
    for (const attempt of [
      () => jobs.checkpoint(job, { comments: 1 }, {}),
      () => jobs.complete(job, {}),
      () => jobs.fail(job, { code: "X", message: "x" }),
    ]) {
      const error = await refusal(attempt());
      expect(error.from).toBe("PENDING");
    }
    expect(await jobs.get(job.userId, job.jobId)).toMatchObject({ status: "PENDING", progress: {} });
    expect(await markerOf("illegal-a", "export")).toMatchObject({ activeJobId: job.jobId });
  });

  it("refuses starting twice", async () => {
    const jobs = jobsAt();
    const { job } = await jobs.createOrGetActive("export", "illegal-b", "illegal-b");
    await jobs.start(job);
    const error = await refusal(jobs.start(job));
    expect([error.from, error.to]).toEqual(["IN_PROGRESS", "IN_PROGRESS"]);
  });

  it.each(["COMPLETED", "FAILED"] as const)(
    "refuses every transition out of %s, changing nothing",
    async (end) => {
      const jobs = jobsAt();
      const userId = `illegal-${end}`;
      const { job } = await jobs.createOrGetActive("export", userId, userId);
      await jobs.start(job);
      const finished =
        end === "COMPLETED"
          ? await jobs.complete(job, { objectKey: "k" })
          : await jobs.fail(job, { code: "X", message: "x" });
      for (const attempt of [
        () => jobs.start(job),
        () => jobs.checkpoint(job, { comments: 1 }, {}),
        () => jobs.complete(job, { other: true }),
        () => jobs.fail(job, { code: "Y", message: "y" }),
      ]) {
        const error = await refusal(attempt());
        expect(error.from).toBe(end);
      }
      expect(await jobs.get(job.userId, job.jobId)).toEqual(finished);
    },
  );

  it("refuses transitions of a job that does not exist", async () => {
    const jobs = jobsAt();
    const missing = { userId: "nobody", jobId: "01JOBTHATDOESNOTEXIST0000", kind: "export" as const };
    expect((await refusal(jobs.start(missing))).from).toBe("missing");
    expect((await refusal(jobs.complete(missing, {}))).from).toBe("missing");
    expect(await jobs.get("nobody", missing.jobId)).toBeNull();
  });
});
