import { CommentsRepository } from "@hearth/domain/repositories/comments";
import { ProfilesRepository } from "@hearth/domain/repositories/profiles";
import { ReactionsRepository } from "@hearth/domain/repositories/reactions";
import { storageDependenciesFromEnv } from "@hearth/views/storage-dependencies";
import { type ApiHandler, createAreaHandler } from "../area-handler.js";
import {
  apiFunctionBaseFromEnv,
  idempotentPosts,
  type RequestStepsOf,
  rateLimiting,
} from "../request-steps.js";
import { type CommentsDependencies, commentRoutes } from "./comments.js";

/** What the comments function runs on: its routes' dependencies and the request steps'. */
export type CommentsArea = CommentsDependencies & RequestStepsOf<"comments">;

/**
 * The comments function from the environment its manifest gives it; `overrides` replace parts
 * (tests, benchmarks). Built once per container.
 */
export function buildCommentsArea(
  env: NodeJS.ProcessEnv = process.env,
  overrides: Partial<CommentsArea> = {},
): ApiHandler {
  const base = apiFunctionBaseFromEnv(env);
  const context = base.repositoryContext;
  const comments = new CommentsRepository(context);
  return createAreaHandler("comments", commentRoutes, {
    ...base.steps,
    ...idempotentPosts(base),
    ...rateLimiting(base, env),
    ...storageDependenciesFromEnv(env),
    repositories: {
      comments,
      reactions: new ReactionsRepository(context, comments),
      profiles: new ProfilesRepository(context),
    },
    ...overrides,
  });
}
