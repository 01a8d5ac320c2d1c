import { type PushViews, pushViewsFromEnv } from "@hearth/views/push-views";
import { type ConnectionsApi, connectionsApiFromEnv } from "./connections-api.js";

/** What the realtime fanout needs on top of a processor's base dependencies. */
export interface RealtimeExtras {
  /** The REST API's views, so a push shows what a re-read would. */
  views: PushViews;
  connectionsApi: ConnectionsApi;
}

/**
 * From the environment: `WEBSOCKET_MANAGEMENT_ENDPOINT` (see connections-api.ts) and the
 * files bucket the download URLs point into (`ATTACHMENTS_BUCKET`, `S3_ENDPOINT` locally).
 */
export function realtimeExtrasFromEnv(env: NodeJS.ProcessEnv = process.env): RealtimeExtras {
  return { views: pushViewsFromEnv(env), connectionsApi: connectionsApiFromEnv(env) };
}
