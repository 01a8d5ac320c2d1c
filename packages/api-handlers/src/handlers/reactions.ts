import { createAreaHandler } from "../area-handler.js";
import { reactionRoutes } from "../areas/reactions.js";
import { apiDependenciesFromEnv } from "../dependencies.js";

/** Lambda entry of the reactions routes; dependencies are built once per container. */
export const handler = createAreaHandler("reactions", reactionRoutes, apiDependenciesFromEnv());
