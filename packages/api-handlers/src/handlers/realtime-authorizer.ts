import { buildRealtimeAuthorizer } from "../realtime/build.js";

/** Lambda entry of the WebSocket `$connect` authorizer; built once per container. */
export const handler = buildRealtimeAuthorizer();
