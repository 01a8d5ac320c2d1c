import { JobsRepository } from "@hearth/domain/repositories/jobs";
import { ProfilesRepository } from "@hearth/domain/repositories/profiles";
import { createObjectUrlSigner, s3ConfigFromEnv } from "@hearth/views/storage-dependencies";
import { type ApiHandler, createAreaHandler } from "../area-handler.js";
import { memberGroupsFromEnv } from "../member-groups.js";
import { apiFunctionBaseFromEnv, idempotentPosts, type RequestStepsOf } from "../request-steps.js";
import { type JobsDependencies, jobRoutes } from "./jobs.js";

/** What the jobs function runs on: its routes' dependencies and the request steps' (no route is rate limited). */
export type JobsArea = JobsDependencies & RequestStepsOf<"jobs">;

/**
 * The jobs function from the environment its manifest gives it (with `USER_POOL_ID`); `overrides` replace parts
 * (tests, benchmarks). Built once per container.
 */
export function buildJobsArea(
  env: NodeJS.ProcessEnv = process.env,
  overrides: Partial<JobsArea> = {},
): ApiHandler {
  const base = apiFunctionBaseFromEnv(env);
  const context = base.repositoryContext;
  return createAreaHandler("jobs", jobRoutes, {
    ...base.steps,
    ...idempotentPosts(base),
    repositories: { jobs: new JobsRepository(context), profiles: new ProfilesRepository(context) },
    // Export downloads are signed; no photo is shown here.
    objectUrls: createObjectUrlSigner(s3ConfigFromEnv(env)),
    // An admin deleting someone asks the pool whether they are an admin too (traced like the rest).
    memberGroups: memberGroupsFromEnv(env, (client) => base.tracer.captureAWSv3Client(client)),
    ...overrides,
  });
}
