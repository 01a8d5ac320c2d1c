import { areaManifest, SERVES_PROFILE_PHOTOS } from "./area-manifest.js";

export const messagesManifest = areaManifest("messages", {
  description: "conversations, messages and their attachments",
  tables: {
    Messages: "readWrite",
    ConversationMembers: "readWrite",
    UserProfiles: "read",
    IdempotencyRecords: "readWrite",
    RateLimits: "readWrite",
  },
  files: [
    SERVES_PROFILE_PHOTOS,
    {
      prefix: "attachments/",
      actions: ["s3:PutObject"],
      reason:
        "Upload keys are generated per attachment (attachments/<user>/<id>/<file>), so the presign right covers that prefix only.",
    },
    {
      prefix: "attachments/",
      actions: ["s3:GetObject"],
      reason:
        "Attachment download URLs are presigned per attachment of the messages a participant reads; participation is checked before signing.",
    },
  ],
  // Photos are served (and, by the profile, linked) only on the environment's photo hosts.
  settings: ["filesBucket", "photoHosts"],
});
