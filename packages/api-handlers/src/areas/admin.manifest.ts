import { areaManifest } from "./area-manifest.js";

export const adminManifest = areaManifest("admin", {
  description: "admins let people in",
  // Approving is one conditional UpdateItem of the profile and one group membership in the
  // user pool; admins are never rate limited.
  tables: { UserProfiles: "readWrite", IdempotencyRecords: "readWrite" },
  userPoolActions: ["cognito-idp:AdminAddUserToGroup"],
  settings: ["userPool"],
});
