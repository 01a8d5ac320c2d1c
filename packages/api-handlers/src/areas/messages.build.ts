import { ConversationsRepository } from "@hearth/domain/repositories/conversations";
import { ProfilesRepository } from "@hearth/domain/repositories/profiles";
import { storageDependenciesFromEnv } from "@hearth/views/storage-dependencies";
import { monotonicFactory } from "ulid";
import { type ApiHandler, createAreaHandler } from "../area-handler.js";
import {
  apiFunctionBaseFromEnv,
  idempotentPosts,
  type RequestStepsOf,
  rateLimiting,
} from "../request-steps.js";
import { type MessagesDependencies, messageRoutes } from "./messages.js";

/** What the messages function runs on: its routes' dependencies and the request steps'. */
export type MessagesArea = MessagesDependencies & RequestStepsOf<"messages">;

/**
 * The messages function from the environment its manifest gives it; `overrides` replace parts
 * (tests, benchmarks). Built once per container.
 */
export function buildMessagesArea(
  env: NodeJS.ProcessEnv = process.env,
  overrides: Partial<MessagesArea> = {},
): ApiHandler {
  const base = apiFunctionBaseFromEnv(env);
  const context = base.repositoryContext;
  return createAreaHandler("messages", messageRoutes, {
    ...base.steps,
    ...idempotentPosts(base),
    ...rateLimiting(base, env),
    ...storageDependenciesFromEnv(env),
    repositories: {
      conversations: new ConversationsRepository(context),
      profiles: new ProfilesRepository(context),
    },
    newId: monotonicFactory(),
    ...overrides,
  });
}
