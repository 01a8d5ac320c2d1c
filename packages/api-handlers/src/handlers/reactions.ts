import { createAreaHandler } from "../area-handler.js";
import { reactionRoutes } from "../areas/reactions.js";
import { baseApiDependenciesFromEnv } from "../base-dependencies.js";

/** Lambda entry of the reactions routes; dependencies are built once per container. */
export const handler = createAreaHandler("reactions", reactionRoutes, baseApiDependenciesFromEnv());
