import { areaManifest, SERVES_PROFILE_PHOTOS } from "./area-manifest.js";

export const commentsManifest = areaManifest("comments", {
  description: "comments on items",
  // CommentReactions is read for the viewer's own reaction on comment lists (replies through
  // its ThreadReactionsIndex); Comments' ThreadIndex pages threads.
  tables: {
    Comments: "readWrite",
    CommentLocators: "readWrite",
    UserProfiles: "read",
    CommentReactions: "read",
    IdempotencyRecords: "readWrite",
    RateLimits: "readWrite",
  },
  files: [SERVES_PROFILE_PHOTOS],
  // Photos are served (and, by the profile, linked) only on the environment's photo hosts.
  settings: ["filesBucket", "photoHosts"],
});
