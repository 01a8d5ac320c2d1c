import { areaManifest, SERVES_PROFILE_PHOTOS } from "./area-manifest.js";

export const reactionsManifest = areaManifest("reactions", {
  description: "reactions to comments",
  // A toggle writes the reaction and the comment's counter in one transaction.
  tables: {
    CommentReactions: "readWrite",
    Comments: "readWrite",
    CommentLocators: "readWrite",
    UserProfiles: "read",
    IdempotencyRecords: "readWrite",
    RateLimits: "readWrite",
  },
  files: [SERVES_PROFILE_PHOTOS],
  settings: ["filesBucket"],
});
