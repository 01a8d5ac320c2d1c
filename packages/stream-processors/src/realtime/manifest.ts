import { processorManifest } from "../processor-manifest.js";
import { feedEntryInserts, inserts, modifications } from "../stream-subscriptions.js";

/**
 * The realtime fanout: finds connections (Queries), removes the ones found gone (BatchWriteItem
 * deletes), reads the recipients' conversation rows, unread counters and reactions for their own
 * counts and their profiles (only members now are pushed to), and pushes through the WebSocket
 * API's management endpoint; a new revocation closes that member's connections there
 * (DeleteConnection, under the same ManageConnections right).
 */
export const realtimeManifest = processorManifest("realtime", import.meta.url, {
  description: "stream processor: realtime pushes",
  tables: {
    Connections: "readWrite",
    ConversationMembers: "read",
    Notifications: "read",
    CommentReactions: "read",
    UserProfiles: "read",
    IdempotencyRecords: "readWrite",
    // Only its stream: a revocation closes the member's connections.
    Revocations: "read",
  },
  files: [
    {
      prefix: "attachments/",
      actions: ["s3:GetObject"],
      reason:
        "A pushed message shows its attachments with presigned GETs, as the REST API does; attachment keys are per upload, so the right covers the attachments prefix only.",
    },
    {
      prefix: "profile-photos/",
      actions: ["s3:GetObject"],
      reason:
        "A pushed comment shows its author's uploaded photo as a presigned GET, as the REST API does; the right covers the photo prefix only.",
    },
  ],
  subscriptions: [
    { table: "Messages", filterPatterns: [inserts] },
    { table: "Notifications", filterPatterns: [feedEntryInserts] },
    { table: "Comments", filterPatterns: [inserts, modifications] },
    { table: "Revocations", filterPatterns: [inserts, modifications] },
  ],
  // A push is worth most the moment it happens (a 1 s window would be most of its latency
  // budget): its batches are whatever the stream has when it is read.
  streamBatching: { maxBatchingWindowSeconds: 0 },
  settings: ["filesBucket", "photoHosts", "webSocketManagement"],
});
