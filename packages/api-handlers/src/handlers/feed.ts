import { createAreaHandler } from "../area-handler.js";
import { feedRoutes } from "../areas/feed.js";
import { baseApiDependenciesFromEnv } from "../base-dependencies.js";

/** Lambda entry of the notification feed: the base dependencies only (no photos, no storage). */
export const handler = createAreaHandler("feed", feedRoutes, baseApiDependenciesFromEnv());
