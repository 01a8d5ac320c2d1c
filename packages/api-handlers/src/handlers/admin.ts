import { adminDependenciesFromEnv } from "../admin-dependencies.js";
import { createAreaHandler } from "../area-handler.js";
import { adminRoutes } from "../areas/admin.js";
import { baseApiDependenciesFromEnv } from "../base-dependencies.js";
import { createApiTracer } from "../telemetry.js";

/** Lambda entry of the admin routes: the base dependencies plus the user pool's groups (traced), no storage. */
export const handler = createAreaHandler("admin", adminRoutes, {
  ...baseApiDependenciesFromEnv(),
  // Tracer instances share X-Ray's context, so a second one captures into the same trace.
  ...adminDependenciesFromEnv(process.env, (client) => createApiTracer().captureAWSv3Client(client)),
});
