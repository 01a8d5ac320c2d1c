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
import { type ReactionsDependencies, reactionRoutes } from "./reactions.js";

/** What the reactions function runs on: its routes' dependencies and the request steps'. */
export type ReactionsArea = ReactionsDependencies & RequestStepsOf<"reactions">;

/**
 * The reactions function from the environment its manifest gives it; `overrides` replace parts
 * (tests, benchmarks). Built once per container.
 */
export function buildReactionsArea(
  env: NodeJS.ProcessEnv = process.env,
  overrides: Partial<ReactionsArea> = {},
): ApiHandler {
  const base = apiFunctionBaseFromEnv(env);
  const context = base.repositoryContext;
  // A toggle updates the comment's counter in the same transaction: the reactions reach it through this.
  const comments = new CommentsRepository(context);
  return createAreaHandler("reactions", reactionRoutes, {
    ...base.steps,
    ...idempotentPosts(base),
    ...rateLimiting(base, env),
    ...storageDependenciesFromEnv(env),
    repositories: {
      reactions: new ReactionsRepository(context, comments),
      comments,
      profiles: new ProfilesRepository(context),
    },
    ...overrides,
  });
}
