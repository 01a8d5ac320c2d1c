import { areaManifest, SERVES_PROFILE_PHOTOS } from "./area-manifest.js";

export const commentsManifest = areaManifest("comments", {
  description: "comments on items",
  // CommentReactions is read for `viewerHasReacted` on comment lists.
  tables: {
    Comments: "readWrite",
    CommentLocators: "readWrite",
    UserProfiles: "read",
    CommentReactions: "read",
    IdempotencyRecords: "readWrite",
    RateLimits: "readWrite",
  },
  files: [SERVES_PROFILE_PHOTOS],
  settings: ["filesBucket"],
});
