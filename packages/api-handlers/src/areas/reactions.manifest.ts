import { areaManifest, SERVES_PROFILE_PHOTOS } from "./area-manifest.js";

export const reactionsManifest = areaManifest("reactions", {
  description: "reactions to comments",
  // A toggle puts or deletes the reaction and updates the comment's counter (and its
  // locator's copy) in one transaction: comments are only ever updated here.
  tables: {
    CommentReactions: "readWrite",
    Comments: "readUpdate",
    CommentLocators: "readUpdate",
    UserProfiles: "read",
    IdempotencyRecords: "readWrite",
    RateLimits: "readWrite",
  },
  files: [SERVES_PROFILE_PHOTOS],
  // Photos are served (and, by the profile, linked) only on the environment's photo hosts.
  settings: ["filesBucket", "photoHosts"],
});
