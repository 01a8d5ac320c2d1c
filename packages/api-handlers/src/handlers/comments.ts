import { createAreaHandler } from "../area-handler.js";
import { commentRoutes } from "../areas/comments.js";
import { apiDependenciesFromEnv } from "../dependencies.js";

/** Lambda entry of the comments routes; dependencies are built once per container. */
export const handler = createAreaHandler("comments", commentRoutes, apiDependenciesFromEnv());
