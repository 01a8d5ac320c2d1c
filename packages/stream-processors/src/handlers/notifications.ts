import { processorDependenciesFromEnv } from "../dependencies.js";
import { createNotificationProcessor } from "../processor.js";

/** Lambda entry: dependencies are built once per container from the environment. */
export const handler = createNotificationProcessor(processorDependenciesFromEnv());
