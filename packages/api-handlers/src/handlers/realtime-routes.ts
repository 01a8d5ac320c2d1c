import { realtimeRouteDependenciesFromEnv } from "../realtime/dependencies.js";
import { createRealtimeRoutes } from "../realtime/routes.js";

/** Lambda entry of every WebSocket route; built once per container. */
export const handler = createRealtimeRoutes(realtimeRouteDependenciesFromEnv());
