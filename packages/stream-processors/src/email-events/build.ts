import { Logger } from "@aws-lambda-powertools/logger";
import type { LogLevel } from "@aws-lambda-powertools/logger/types";
import { ProfilesRepository } from "@hearth/domain";
import { createProcessorTracer, processorMetricsFromEnv, repositoryContextFromEnv } from "../runtime.js";
import { emailEventsManifest } from "./manifest.js";
import {
  createEmailEventsHandler,
  type EmailEventsDependencies,
  type EmailEventsHandler,
} from "./processor.js";

/** The SES event handler's parts: only the profiles over DynamoDB; no SES client, no idempotency store (the update is idempotent). */
export function emailEventsDependencies(env: NodeJS.ProcessEnv = process.env): EmailEventsDependencies {
  return {
    profiles: new ProfilesRepository(repositoryContextFromEnv(env)),
    logger: new Logger({
      serviceName: "hearth-email-events",
      logLevel: (env.LOG_LEVEL?.trim().toUpperCase() || "INFO") as LogLevel,
    }),
    metrics: processorMetricsFromEnv(env),
    tracer: createProcessorTracer(),
    clock: () => new Date(),
  };
}

/** Builds the SES event handler from its environment; tests replace parts with `overrides`. */
export function buildEmailEventsHandler(
  env: NodeJS.ProcessEnv = process.env,
  overrides: Partial<EmailEventsDependencies> = {},
): EmailEventsHandler {
  return createEmailEventsHandler({ ...emailEventsDependencies(env), ...overrides });
}

export const emailEventsFunction = { manifest: emailEventsManifest, build: buildEmailEventsHandler };
