import { adminDependenciesFromEnv } from "../admin-dependencies.js";
import { createAreaHandler } from "../area-handler.js";
import { adminRoutes } from "../areas/admin.js";
import { baseApiDependenciesFromEnv } from "../base-dependencies.js";

/** Lambda entry of the admin routes: the base dependencies plus the user pool's groups, no storage. */
export const handler = createAreaHandler("admin", adminRoutes, {
  ...baseApiDependenciesFromEnv(),
  ...adminDependenciesFromEnv(),
});
