import { createAreaHandler } from "../area-handler.js";
import { profileRoutes } from "../areas/profile.js";
import { baseApiDependenciesFromEnv } from "../base-dependencies.js";

/** Lambda entry of the profile routes; dependencies are built once per container. */
export const handler = createAreaHandler("profile", profileRoutes, baseApiDependenciesFromEnv());
