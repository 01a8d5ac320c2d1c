import { processorDependenciesFromEnv } from "../dependencies.js";
import { createProcessor } from "../processor.js";

/** Lambda entry: dependencies are built once per container from the environment. */
export const handler = createProcessor("activity", processorDependenciesFromEnv());
