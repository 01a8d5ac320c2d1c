import { createApiHandler } from "../api-handler.js";
import { apiDependenciesFromEnv } from "../dependencies.js";

/** Lambda entry of the comments routes; dependencies are built once per container. */
export const handler = createApiHandler("comments", apiDependenciesFromEnv());
