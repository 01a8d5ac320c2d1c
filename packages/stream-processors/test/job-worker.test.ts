import type { JobCheckpoint } from "@hearth/domain";
import { describe, expect, it } from "vitest";
import { PermanentJobError } from "../src/jobs/errors.js";
import type { JobRunner } from "../src/jobs/runner.js";
import { batchOf, lambdaContext, uniqueId, useHarness } from "./helpers.js";

const harness = useHarness("job-worker");

/** A new deletion job and the INSERT record that announces it. */
async function newDeletionJob() {
  const h = harness();
  const userId = uniqueId("leaving");
  const { job } = await h.db.repositories.jobs.createOrGetActive("deletion", userId, "admin-1");
  const records = (await h.tap.take("Jobs")).filter((r) => r.dynamodb?.NewImage?.jobId?.S === job.jobId);
  expect(records).toHaveLength(1);
  return { job, records };
}

describe("the job worker (through the deletions processor)", () => {
  it("hands the runner the job in progress, saves its checkpoints and completes with its result", async () => {
    const h = harness();
    const { job, records } = await newDeletionJob();
    const seen: { status: string; checkpoint?: JobCheckpoint | undefined }[] = [];
    const runner: JobRunner = async (run) => {
      seen.push({ status: run.job.status, checkpoint: run.job.checkpoint });
      await run.checkpoint({ reactions: 3 }, { step: "comments" });
      expect(await h.db.repositories.jobs.get(job.userId, job.jobId)).toMatchObject({
        status: "IN_PROGRESS",
        progress: { reactions: 3 },
        checkpoint: { step: "comments" },
      });
      return { removed: 3 };
    };
    const response = await h.build("deletions", { runDeletion: runner })(batchOf(records), lambdaContext());
    expect(response.batchItemFailures).toEqual([]);
    expect(seen).toEqual([{ status: "IN_PROGRESS", checkpoint: undefined }]);
    expect(await h.db.repositories.jobs.get(job.userId, job.jobId)).toMatchObject({
      status: "COMPLETED",
      requestedBy: "admin-1",
      result: { removed: 3 },
      progress: { reactions: 3 },
    });
  });

  it("resumes from the last checkpoint after a transient failure, and never runs a finished job", async () => {
    const h = harness();
    const { job, records } = await newDeletionJob();
    const starts: (JobCheckpoint | undefined)[] = [];
    let runs = 0;
    const runner: JobRunner = async (run) => {
      runs++;
      starts.push(run.job.checkpoint);
      if (!run.job.checkpoint) {
        await run.checkpoint({ reactions: 120 }, { step: "comments" });
        throw new Error("DynamoDB went away");
      }
      return { resumedAt: run.job.checkpoint.step };
    };
    const processor = h.build("deletions", { runDeletion: runner });
    expect((await processor(batchOf(records), lambdaContext())).batchItemFailures).toHaveLength(1);
    expect(await h.db.repositories.jobs.get(job.userId, job.jobId)).toMatchObject({ status: "IN_PROGRESS" });
    expect((await processor(batchOf(records), lambdaContext())).batchItemFailures).toEqual([]);
    expect(starts).toEqual([undefined, { step: "comments" }]);
    expect(await h.db.repositories.jobs.get(job.userId, job.jobId)).toMatchObject({
      status: "COMPLETED",
      result: { resumedAt: "comments" },
    });
    const again = records.map((r) => ({ ...r, eventID: `${r.eventID}-redelivered` }));
    expect((await processor(batchOf(again), lambdaContext())).batchItemFailures).toEqual([]);
    expect(runs).toBe(2);
  });

  it("records a permanent error as FAILED with its code and message, and frees the member for a new job", async () => {
    const h = harness();
    const { job, records } = await newDeletionJob();
    const runner: JobRunner = async () => {
      throw new PermanentJobError("The account is protected", { code: "PROTECTED_ACCOUNT" });
    };
    const response = await h.build("deletions", { runDeletion: runner })(batchOf(records), lambdaContext());
    expect(response.batchItemFailures).toEqual([]);
    const failed = await h.db.repositories.jobs.get(job.userId, job.jobId);
    expect(failed).toMatchObject({
      status: "FAILED",
      error: { code: "PROTECTED_ACCOUNT", message: "The account is protected" },
    });
    expect(typeof failed?.expiresAt).toBe("number");
    const next = await h.db.repositories.jobs.createOrGetActive("deletion", job.userId, job.userId);
    expect(next.created).toBe(true);
  });

  it("only takes deletion jobs: an export INSERT is not its record", async () => {
    const h = harness();
    await h.tap.skip("Jobs");
    const userId = uniqueId("exporting");
    await h.db.repositories.jobs.createOrGetActive("export", userId, userId);
    const records = await h.tap.take("Jobs");
    expect(records.map((r) => r.dynamodb?.NewImage?.kind?.S).filter(Boolean)).toEqual(["export"]);
    let runs = 0;
    const runner: JobRunner = async () => {
      runs++;
      return {};
    };
    expect(
      (await h.build("deletions", { runDeletion: runner })(batchOf(records), lambdaContext()))
        .batchItemFailures,
    ).toEqual([]);
    expect(runs).toBe(0);
  });
});
