import { createApiHandler } from "../api-handler.js";
import { apiDependenciesFromEnv } from "../dependencies.js";

/** Lambda entry of the reactions routes; dependencies are built once per container. */
export const handler = createApiHandler("reactions", apiDependenciesFromEnv());
