import { adminManifest } from "./areas/admin.manifest.js";
import { commentsManifest } from "./areas/comments.manifest.js";
import { feedManifest } from "./areas/feed.manifest.js";
import { jobsManifest } from "./areas/jobs.manifest.js";
import { messagesManifest } from "./areas/messages.manifest.js";
import { profileManifest } from "./areas/profile.manifest.js";
import { reactionsManifest } from "./areas/reactions.manifest.js";
import { realtimeAuthorizerManifest, realtimeRoutesManifest } from "./realtime/manifests.js";
import type { ApiArea } from "./routes.js";

/** The function of each REST API area (one line per area). */
export const API_MANIFESTS = {
  profile: profileManifest,
  comments: commentsManifest,
  reactions: reactionsManifest,
  messages: messagesManifest,
  admin: adminManifest,
  jobs: jobsManifest,
  feed: feedManifest,
} as const satisfies { [A in ApiArea]: { name: `api-${A}` } };

/** The WebSocket API's functions. */
export const REALTIME_MANIFESTS = {
  "realtime-authorizer": realtimeAuthorizerManifest,
  "realtime-routes": realtimeRoutesManifest,
} as const;
export type RealtimeFunctionName = keyof typeof REALTIME_MANIFESTS;
