import { createRealtimeAuthorizer } from "../realtime/authorizer.js";
import { realtimeAuthorizerDependenciesFromEnv } from "../realtime/dependencies.js";

/** Lambda entry of the WebSocket `$connect` authorizer; built once per container. */
export const handler = createRealtimeAuthorizer(realtimeAuthorizerDependenciesFromEnv());
