import { createAreaHandler } from "../area-handler.js";
import { profileRoutes } from "../areas/profile.js";
import { apiDependenciesFromEnv } from "../dependencies.js";

/** Lambda entry of the profile routes; dependencies are built once per container. */
export const handler = createAreaHandler("profile", profileRoutes, apiDependenciesFromEnv());
