import { createAreaHandler } from "../area-handler.js";
import { notificationRoutes } from "../areas/notifications.js";
import { baseApiDependenciesFromEnv } from "../base-dependencies.js";

/** Lambda entry of the notification feed: the base dependencies only (no photos, no storage). */
export const handler = createAreaHandler("notifications", notificationRoutes, baseApiDependenciesFromEnv());
