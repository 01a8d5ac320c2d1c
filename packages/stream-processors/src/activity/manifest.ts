import { processorManifest } from "../processor-manifest.js";
import { inserts, softDeletes } from "../stream-subscriptions.js";

/** Each member's activity stats on their profile, counted once per event. */
export const activityManifest = processorManifest("activity", import.meta.url, {
  description: "stream processor: activity stats",
  tables: { UserProfiles: "readUpdate", IdempotencyRecords: "readWrite" },
  subscriptions: [
    { table: "Comments", filterPatterns: [inserts, softDeletes] },
    { table: "CommentReactions", filterPatterns: [inserts] },
    { table: "Messages", filterPatterns: [inserts] },
  ],
  settings: [],
});
