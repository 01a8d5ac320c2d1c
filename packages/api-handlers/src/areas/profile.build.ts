import { UnsubscribeTokens } from "@hearth/domain";
import { CommentsRepository } from "@hearth/domain/repositories/comments";
import { MemberNamesRepository } from "@hearth/domain/repositories/member-names";
import { ProfilesRepository } from "@hearth/domain/repositories/profiles";
import { ReactionsRepository } from "@hearth/domain/repositories/reactions";
import { storageDependenciesFromEnv } from "@hearth/views/storage-dependencies";
import { monotonicFactory } from "ulid";
import { type ApiHandler, createAreaHandler } from "../area-handler.js";
import {
  apiFunctionBaseFromEnv,
  idempotentPosts,
  type RequestStepsOf,
  rateLimiting,
} from "../request-steps.js";
import { type ProfileDependencies, profileRoutes } from "./profile.js";

/** What the profile function runs on: its routes' dependencies and the request steps'. */
export type ProfileArea = ProfileDependencies & RequestStepsOf<"profile">;

/**
 * The profile function from the environment its manifest gives it; `overrides` replace parts
 * (tests, benchmarks). Built once per container.
 */
export function buildProfileArea(
  env: NodeJS.ProcessEnv = process.env,
  overrides: Partial<ProfileArea> = {},
): ApiHandler {
  // The unsubscribe links' key derives from the cursor secret: it is refreshed with the cursor keys.
  const unsubscribeTokens = new UnsubscribeTokens();
  const base = apiFunctionBaseFromEnv(env, unsubscribeTokens);
  const context = base.repositoryContext;
  const comments = new CommentsRepository(context);
  return createAreaHandler("profile", profileRoutes, {
    ...base.steps,
    ...idempotentPosts(base),
    ...rateLimiting(base, env),
    ...storageDependenciesFromEnv(env),
    repositories: {
      profiles: new ProfilesRepository(context),
      comments,
      reactions: new ReactionsRepository(context, comments),
      memberNames: new MemberNamesRepository(context),
    },
    newId: monotonicFactory(),
    unsubscribeTokens,
    ...overrides,
  });
}
