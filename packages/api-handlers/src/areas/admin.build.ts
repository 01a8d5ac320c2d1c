import { ProfilesRepository } from "@hearth/domain/repositories/profiles";
import { RevocationsRepository } from "@hearth/domain/repositories/revocations";
import { type ApiHandler, createAreaHandler } from "../area-handler.js";
import { memberGroupsFromEnv } from "../member-groups.js";
import { apiFunctionBaseFromEnv, idempotentPosts, type RequestStepsOf } from "../request-steps.js";
import { type AdminDependencies, adminRoutes } from "./admin.js";

/** What the admin function runs on: its routes' dependencies and the request steps' (admins are not rate limited). */
export type AdminArea = AdminDependencies & RequestStepsOf<"admin">;

/**
 * The admin function from the environment its manifest gives it (with `USER_POOL_ID`);
 * `overrides` replace parts (tests, benchmarks). Built once per container.
 */
export function buildAdminArea(
  env: NodeJS.ProcessEnv = process.env,
  overrides: Partial<AdminArea> = {},
): ApiHandler {
  const base = apiFunctionBaseFromEnv(env);
  return createAreaHandler("admin", adminRoutes, {
    ...base.steps,
    ...idempotentPosts(base),
    repositories: {
      profiles: new ProfilesRepository(base.repositoryContext),
      revocations: new RevocationsRepository(base.repositoryContext),
    },
    // The function's tracer captures the Cognito client too, so approvals show in its traces.
    memberGroups: memberGroupsFromEnv(env, (client) => base.tracer.captureAWSv3Client(client)),
    ...overrides,
  });
}
