import { API_AREAS, type ApiArea, apiDependenciesFromEnv, createApiHandler } from "@hearth/api-handlers";
import {
  attachmentObjectsFromEnv,
  createProcessor,
  PROCESSOR_NAMES,
  type ProcessorName,
  processorDependenciesFromEnv,
} from "@hearth/stream-processors";
import type { ApiHandler } from "./gateway.js";
import type { StreamProcessor } from "./stream-poller.js";

type Environment = Record<string, string | undefined>;

/**
 * The API's Lambdas, built in-process the way each Lambda entry builds itself from its
 * environment (once per container).
 */
export function createApiHandlers(env: Environment): Record<ApiArea, ApiHandler> {
  const dependencies = apiDependenciesFromEnv(env);
  return Object.fromEntries(API_AREAS.map((area) => [area, createApiHandler(area, dependencies)])) as Record<
    ApiArea,
    ApiHandler
  >;
}

/** The stream processors, built the same way (the attachments one with its S3 objects, as its entry does). */
export function createStreamProcessors(env: Environment): Record<ProcessorName, StreamProcessor> {
  const dependencies = {
    ...processorDependenciesFromEnv(env),
    attachmentObjects: attachmentObjectsFromEnv(env),
  };
  return Object.fromEntries(
    PROCESSOR_NAMES.map((name) => [name, createProcessor(name, dependencies)]),
  ) as Record<ProcessorName, StreamProcessor>;
}
