import { Readable } from "node:stream";
import { EXPORT_RETENTION_DAYS, exportObjectKey } from "@hearth/domain";
import { PermanentJobError } from "../jobs/errors.js";
import type { JobRunner } from "../jobs/runner.js";
import { type ExportSources, exportDocument, progressOf } from "./document.js";
import type { ExportObjects } from "./s3-export.js";

export interface ExportRunnerDependencies extends ExportSources {
  exportObjects: ExportObjects;
  clock: () => Date;
}

/**
 * The export job's runner: streams the member's export document to
 * `exports/{userId}/{jobId}/hearth-export.json`, checkpointing the counts after every page.
 * A resumed run writes the whole document again (a multipart stream cannot be continued),
 * to the same key, so a retry leaves exactly one complete document. The result holds the
 * object's key (the API signs its download when asked) and when the lifecycle rule removes it.
 * An export of a deleted member fails at once; one their deletion cancels mid-run stops at its
 * next checkpoint (the job is no longer in progress), which aborts the upload.
 */
export function createExportRunner(deps: ExportRunnerDependencies): JobRunner {
  return async ({ job, checkpoint }) => {
    // A deleted member has nothing to export, and an export must not write their data again.
    if (await deps.repositories.profiles.isDeleted(job.userId)) {
      throw new PermanentJobError("This account has been deleted", { code: "ACCOUNT_DELETED" });
    }
    const exportedAt = deps.clock();
    const objectKey = exportObjectKey(job.userId, job.jobId);
    let counts: Parameters<typeof progressOf>[0] | undefined;
    const pieces = exportDocument(deps, job, exportedAt, async (soFar, section) => {
      counts = soFar;
      await checkpoint(progressOf(soFar), { section });
    });
    await deps.exportObjects.putStream(objectKey, Readable.from(pieces), "application/json; charset=utf-8");
    const availableUntil = new Date(exportedAt.getTime() + EXPORT_RETENTION_DAYS * 24 * 60 * 60 * 1000);
    return {
      objectKey,
      exportedAt: exportedAt.toISOString(),
      expiresAt: availableUntil.toISOString(),
      counts: counts ? progressOf(counts) : {},
    };
  };
}
