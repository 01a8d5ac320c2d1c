import { baseProcessorDependenciesFromEnv } from "../dependencies.js";
import { createActivityProcessor } from "../processor.js";

/** Lambda entry: dependencies are built once per container from the environment. */
export const handler = createActivityProcessor(baseProcessorDependenciesFromEnv());
