import {
  EXPORT_DOWNLOAD_URL_SECONDS,
  EXPORT_FILE_NAME,
  isExportKeyOf,
  type Job,
  type JobKind,
} from "@hearth/domain";
import type { JobsRepository } from "@hearth/domain/repositories/jobs";
import type { ProfilesRepository } from "@hearth/domain/repositories/profiles";
import type { ObjectUrlSigner } from "@hearth/views/object-urls";
import { jobAcceptedView, jobView } from "@hearth/views/views";
import { type AreaRoutes, accepted, ok } from "../area-routes.js";
import { forbidden, notFound, targetIsAdmin } from "../http/errors.js";
import type { MemberGroups } from "../member-groups.js";
import { deletionRequestBody } from "../request-bodies.js";

/**
 * What the job routes use: the jobs, the profile of a member an admin deletes, the signer of
 * export downloads, and the clock the download links are signed by.
 */
export interface JobsDependencies {
  repositories: { jobs: JobsRepository; profiles: ProfilesRepository };
  /** Whether the person an admin would delete is an admin too (asked of the user pool). */
  memberGroups: Pick<MemberGroups, "isAdmin">;
  objectUrls: ObjectUrlSigner;
  now: () => Date;
}

const JOB_NOT_FOUND = "Job not found";

/** A job of `kind` in `userId`'s own partition: another member's job, or another kind, is 404. */
async function jobOf(deps: JobsDependencies, userId: string, jobId: string, kind: JobKind): Promise<Job> {
  const job = await deps.repositories.jobs.get(userId, jobId);
  if (!job || job.kind !== kind) throw notFound(JOB_NOT_FOUND);
  return job;
}

/**
 * What a finished job's result shows. An export's stored object key becomes a download link
 * signed now (valid 24 hours; asking again gives a fresh one until the export expires), and
 * only for a key under the member's own exports prefix.
 */
async function shownResult(deps: JobsDependencies, job: Job): Promise<Record<string, unknown> | null> {
  if (job.status !== "COMPLETED" || !job.result) return null;
  if (job.kind !== "export") return job.result;
  const { objectKey, expiresAt, exportedAt, counts } = job.result;
  if (typeof objectKey !== "string" || !isExportKeyOf(job.userId, objectKey)) return null;
  const signedAt = deps.now();
  const downloadUrl = await deps.objectUrls.presignGet(objectKey, {
    expiresIn: EXPORT_DOWNLOAD_URL_SECONDS,
    signingDate: signedAt,
    responseContentType: "application/json; charset=utf-8",
    responseContentDisposition: `attachment; filename="${EXPORT_FILE_NAME}"`,
  });
  return {
    downloadUrl,
    downloadUrlExpiresAt: new Date(signedAt.getTime() + EXPORT_DOWNLOAD_URL_SECONDS * 1000).toISOString(),
    expiresAt,
    exportedAt,
    counts,
  };
}

/**
 * The member's running job of `kind`, or a new one. The running one is looked for first, by
 * reads only, so they overlap the request's other steps (`alongside`, a check of its own, and
 * the Idempotency-Key's record, which holds every write back): a job already running is
 * answered by reads alone (its marker, then the job), and only creating one waits to write.
 * `createOrGetActive` still decides under concurrency (exactly one job is created).
 */
async function runningOrNewJob(
  deps: JobsDependencies,
  kind: JobKind,
  userId: string,
  requestedBy: string,
  alongside?: Promise<void>,
): Promise<{ job: Job; created: boolean }> {
  const { jobs } = deps.repositories;
  // Both settle before either answers: the check's refusal wins, and no read is left behind.
  const [check, running] = await Promise.allSettled([alongside, jobs.activeJob(kind, userId)]);
  if (check.status === "rejected") throw check.reason;
  if (running.status === "rejected") throw running.reason;
  if (running.value) return { job: running.value, created: false };
  return jobs.createOrGetActive(kind, userId, requestedBy);
}

export const jobRoutes: AreaRoutes<"jobs", JobsDependencies> = {
  "POST /me/exports": async (request, deps) => {
    const { userId } = request.caller;
    const { job, created } = await runningOrNewJob(deps, "export", userId, userId);
    return created ? accepted(jobAcceptedView(job)) : ok(jobAcceptedView(job));
  },

  "GET /me/exports/{jobId}": async (request, deps) => {
    const job = await jobOf(deps, request.caller.userId, request.path("jobId"), "export");
    return ok(jobView(job, await shownResult(deps, job)));
  },

  "POST /me/deletion": async (request, deps) => {
    request.body(deletionRequestBody);
    const { userId } = request.caller;
    const { job, created } = await runningOrNewJob(deps, "deletion", userId, userId);
    return created ? accepted(jobAcceptedView(job)) : ok(jobAcceptedView(job));
  },

  "GET /me/deletion/{jobId}": async (request, deps) => {
    const job = await jobOf(deps, request.caller.userId, request.path("jobId"), "deletion");
    return ok(jobView(job, await shownResult(deps, job)));
  },

  "DELETE /admin/members/{userId}": async (request, deps) => {
    const userId = request.path("userId");
    const admin = request.caller.userId;
    // An admin leaving deletes their own account the member's way, with the typed confirmation.
    if (userId === admin)
      throw forbidden("Admins cannot delete their own account here; use POST /me/deletion");
    const profileExists = deps.repositories.profiles.get(userId).then(async (profile) => {
      if (!profile) throw notFound("Profile not found");
      // Admins are not removed by other admins: they leave the Admins group first.
      if (await deps.memberGroups.isAdmin(profile.cognitoUsername ?? userId)) throw targetIsAdmin();
    });
    const { job, created } = await runningOrNewJob(deps, "deletion", userId, admin, profileExists);
    const view = jobView(job, null);
    return created ? accepted(view) : ok(view);
  },

  "GET /admin/members/{userId}/deletion/{jobId}": async (request, deps) => {
    const job = await jobOf(deps, request.path("userId"), request.path("jobId"), "deletion");
    return ok(jobView(job, await shownResult(deps, job)));
  },
};
