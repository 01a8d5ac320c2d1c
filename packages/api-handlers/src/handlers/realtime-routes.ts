import { buildRealtimeRoutes } from "../realtime/routes.build.js";

/** Lambda entry of every WebSocket route; built once per container. */
export const handler = buildRealtimeRoutes();
