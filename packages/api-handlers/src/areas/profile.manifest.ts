import { areaManifest, SERVES_PROFILE_PHOTOS } from "./area-manifest.js";

export const profileManifest = areaManifest("profile", {
  description: "profiles, the member directory, profile photos, unsubscribe links",
  // CommentReactions is read for `viewerHasReacted` on a member's comment history; the
  // rate-limited photo uploads count in RateLimits; POSTs store idempotent responses. Profiles
  // are only read and changed by atomic updates here (an upsert is an UpdateItem). MemberNames
  // is the name index `GET /members?prefix=` queries.
  tables: {
    UserProfiles: "readUpdate",
    MemberNames: "read",
    Comments: "read",
    CommentReactions: "read",
    IdempotencyRecords: "readWrite",
    RateLimits: "readWrite",
  },
  files: [
    SERVES_PROFILE_PHOTOS,
    {
      prefix: "profile-photos/",
      actions: ["s3:PutObject", "s3:PutObjectTagging"],
      reason:
        "Photo upload keys are generated per upload (profile-photos/<user>/<ulid>.<ext>), so the presign right covers that prefix only; the presigned PUT tags the upload pending, which S3 authorizes as PutObjectTagging.",
    },
  ],
  // Photos are served (and, by the profile, linked) only on the environment's photo hosts.
  settings: ["filesBucket", "photoHosts"],
});
