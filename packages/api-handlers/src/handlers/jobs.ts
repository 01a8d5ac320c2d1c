import { createAreaHandler } from "../area-handler.js";
import { jobRoutes } from "../areas/jobs.js";
import { apiDependenciesFromEnv } from "../dependencies.js";

/** Lambda entry of the job routes (exports, deletions); built once per container. */
export const handler = createAreaHandler("jobs", jobRoutes, apiDependenciesFromEnv());
