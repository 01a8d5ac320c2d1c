import { areaManifest } from "./area-manifest.js";

export const jobsManifest = areaManifest("jobs", {
  description: "data exports and account deletions",
  // Jobs are created here (a transaction with the active-job marker) and read back; a deletion
  // by an admin looks the profile up first and asks the user pool whether the person is an
  // admin (admins are not deleted by other admins). No route of the area is rate limited.
  tables: { Jobs: "readWrite", UserProfiles: "read", IdempotencyRecords: "readWrite" },
  files: [
    {
      prefix: "exports/",
      actions: ["s3:GetObject"],
      reason:
        "A finished export's download link is a presigned GET; export keys are per member and job, so the right covers the exports prefix only.",
    },
  ],
  userPoolActions: ["cognito-idp:AdminListGroupsForUser"],
  settings: ["filesBucket", "userPool"],
});
