import { areaManifest } from "./area-manifest.js";

export const adminManifest = areaManifest("admin", {
  description: "admins let people in and revoke them",
  // Approving is one conditional UpdateItem of the profile and one group membership in the
  // user pool; revoking asks the pool whether the person is an admin, takes them out of the
  // group, signs them out everywhere, then marks the profile and puts them on the revocation
  // list in one transaction. Admins are never rate limited.
  tables: { UserProfiles: "readWrite", IdempotencyRecords: "readWrite", Revocations: "readWrite" },
  userPoolActions: [
    "cognito-idp:AdminAddUserToGroup",
    "cognito-idp:AdminRemoveUserFromGroup",
    "cognito-idp:AdminUserGlobalSignOut",
    "cognito-idp:AdminListGroupsForUser",
  ],
  settings: ["userPool"],
});
