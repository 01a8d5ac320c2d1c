import { buildRealtimeAuthorizer } from "../realtime/authorizer.build.js";

/** Lambda entry of the WebSocket `$connect` authorizer; built once per container. */
export const handler = buildRealtimeAuthorizer();
