import { fileURLToPath } from "node:url";
import type { FunctionManifest } from "@hearth/domain";
import { API_FUNCTION_TIMEOUT_SECONDS } from "../areas/area-manifest.js";

/**
 * The WebSocket `$connect` authorizer: verifies ID tokens of the pool's web client, and refuses
 * one issued before its holder's revocation (the revocation list, read at most once a minute).
 */
export const realtimeAuthorizerManifest = {
  name: "realtime-authorizer",
  kind: "authorizer",
  entry: fileURLToPath(new URL("../handlers/realtime-authorizer.ts", import.meta.url)),
  description: "WebSocket API: $connect authorizer",
  timeoutSeconds: API_FUNCTION_TIMEOUT_SECONDS,
  memoryMb: 256,
  tables: { Revocations: "read" },
  settings: ["userPool", "userPoolClient"],
} as const satisfies FunctionManifest<"realtime-authorizer">;

/** Every WebSocket route ($connect, $disconnect, subscribe, …): it keeps the Connections table only. */
export const realtimeRoutesManifest = {
  name: "realtime-routes",
  kind: "websocket",
  entry: fileURLToPath(new URL("../handlers/realtime-routes.ts", import.meta.url)),
  description: "WebSocket API: routes",
  timeoutSeconds: API_FUNCTION_TIMEOUT_SECONDS,
  memoryMb: 512,
  tables: { Connections: "readWrite" },
  settings: [],
} as const satisfies FunctionManifest<"realtime-routes">;
