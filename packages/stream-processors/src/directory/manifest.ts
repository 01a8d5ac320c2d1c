import { processorManifest } from "../processor-manifest.js";
import { profileChanges } from "../stream-subscriptions.js";

/**
 * The mention picker's name index (MemberNames), kept in step with the profiles: reads the
 * changed profile (GetItem), its member's entries (Query) and replaces them (BatchWriteItem);
 * IdempotencyRecords only for its failure notes.
 */
export const directoryManifest = processorManifest("directory", import.meta.url, {
  description: "stream processor: member name index",
  tables: { UserProfiles: "read", MemberNames: "readWrite", IdempotencyRecords: "readWrite" },
  subscriptions: [{ table: "UserProfiles", filterPatterns: [profileChanges] }],
  settings: [],
});
