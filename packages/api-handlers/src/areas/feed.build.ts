import { NotificationsRepository } from "@hearth/domain/repositories/notifications";
import { type ApiHandler, createAreaHandler } from "../area-handler.js";
import { apiFunctionBaseFromEnv, type RequestStepsOf } from "../request-steps.js";
import { type FeedDependencies, feedRoutes } from "./feed.js";

/**
 * What the feed function runs on: its routes' dependencies and the basic request steps (it has
 * no POST and no rate-limited route, so no idempotency store or rate limits).
 */
export type FeedArea = FeedDependencies & RequestStepsOf<"feed">;

/**
 * The feed function from the environment its manifest gives it; `overrides` replace parts
 * (tests, benchmarks). Built once per container.
 */
export function buildFeedArea(
  env: NodeJS.ProcessEnv = process.env,
  overrides: Partial<FeedArea> = {},
): ApiHandler {
  const base = apiFunctionBaseFromEnv(env);
  return createAreaHandler("feed", feedRoutes, {
    ...base.steps,
    repositories: { notifications: new NotificationsRepository(base.repositoryContext) },
    ...overrides,
  });
}
