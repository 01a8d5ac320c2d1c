import { processorManifest } from "../processor-manifest.js";
import { JOB_FUNCTION_TIMEOUT_SECONDS, jobInserts } from "../stream-subscriptions.js";

/**
 * The deletion worker's cascade: takes back reactions (deletes, with the counters' updates in
 * the same transactions), erases comments and messages in place (updates; the sender index finds
 * the ones in conversations they left), removes the member's conversation rows, rate-limit
 * windows, feed, held events, connection records and the API's stored responses (deletes),
 * rewrites their name out of the others' feed entries and held events (updates; the actor
 * indexes find them), replaces their profile with a tombstone (a put), and last puts them on
 * the revocation list (their unexpired tokens are refused) and deletes their user-pool user.
 * (A deleted member's data exports are removed by the attachments processor, off the profile's removal.)
 */
export const deletionsManifest = processorManifest("deletions", import.meta.url, {
  description: "job worker: account deletions",
  timeoutSeconds: JOB_FUNCTION_TIMEOUT_SECONDS,
  tables: {
    Jobs: "readWrite",
    CommentReactions: "readWrite",
    Comments: "readUpdate",
    CommentLocators: "readUpdate",
    Messages: "readUpdate",
    ConversationMembers: "readWrite",
    RateLimits: "readWrite",
    Notifications: "readWrite",
    HeldNotifications: "readWrite",
    Connections: "readWrite",
    IdempotencyRecords: "readWrite",
    UserProfiles: "readWrite",
    Revocations: "readWrite",
  },
  userPoolActions: ["cognito-idp:AdminDeleteUser"],
  subscriptions: [{ table: "Jobs", filterPatterns: [jobInserts("deletion")] }],
  // The rate limits tell which windows of the member's to take back.
  settings: ["userPool", "rateLimits", "webSocketManagement"],
});
