import { buildRealtimeRoutes } from "../realtime/build.js";

/** Lambda entry of every WebSocket route; built once per container. */
export const handler = buildRealtimeRoutes();
