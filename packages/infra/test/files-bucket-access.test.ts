import { API_AREAS } from "@hearth/api-handlers";
import { PROCESSOR_NAMES } from "@hearth/stream-processors";
import { describe, expect, it } from "vitest";
import { ENVIRONMENT_NAMES } from "../src/config.js";
import { asArray, REALTIME_FUNCTION_NAMES, s3Statements, synthesize } from "./helpers.js";

describe.each(ENVIRONMENT_NAMES)("the %s environment", (envName) => {
  const env = synthesize(envName);

  describe("IAM", () => {
    it("gives each function exactly the S3 actions and prefixes it signs for, and nothing else", () => {
      const expected: Record<string, string[]> = {
        profile: [
          "s3:GetObject profile-photos/*",
          "s3:PutObject profile-photos/*",
          // The presigned photo PUT tags the upload pending.
          "s3:PutObjectTagging profile-photos/*",
        ],
        comments: ["s3:GetObject profile-photos/*"],
        reactions: ["s3:GetObject profile-photos/*"],
        // Only the message-serving function may read attachments.
        messages: [
          "s3:GetObject attachments/*",
          "s3:GetObject profile-photos/*",
          "s3:PutObject attachments/*",
        ],
        // The admin area shows no photos.
        admin: [],
        // Nor does the notification feed.
        feed: [],
        notifications: [],
        activity: [],
        // The files of deleted messages are deleted, and those of new ones retagged sent, by this
        // processor alone; so are a deleted member's data exports (listed under their prefix).
        attachments: [
          "s3:DeleteObject attachments/*",
          "s3:DeleteObject exports/*",
          "s3:DeleteObject profile-photos/*",
          "s3:ListBucket exports/*",
          "s3:ListBucket profile-photos/*",
          "s3:PutObjectTagging attachments/*",
          "s3:PutObjectTagging profile-photos/*",
        ],
        // Export documents are written by the export worker alone, and read (signed) by the jobs area.
        exports: ["s3:AbortMultipartUpload exports/*", "s3:PutObject exports/*"],
        jobs: ["s3:GetObject exports/*"],
        deletions: [],
        directory: [],
        // A pushed message or comment shows attachments and photos as the REST API does.
        realtime: ["s3:GetObject attachments/*", "s3:GetObject profile-photos/*"],
        "realtime-authorizer": [],
        "realtime-routes": [],
      };
      for (const fn of [...API_AREAS, ...PROCESSOR_NAMES, ...REALTIME_FUNCTION_NAMES]) {
        const s3 = s3Statements(env, fn, "attachments");
        const grants = s3.flatMap((statement) =>
          asArray(statement.Action).flatMap((action) =>
            // One statement may cover several prefixes (CDK merges statements of the same actions).
            asArray(statement.Resource).map((one) => {
              const resource = JSON.stringify(one);
              // A listing is on the bucket, narrowed to a prefix by its condition.
              const prefix =
                /\/(attachments|profile-photos|exports)\/\*/.exec(resource)?.[1] ??
                /"(attachments|profile-photos|exports)\/\*"/.exec(
                  JSON.stringify(statement.Condition ?? {}),
                )?.[1] ??
                resource;
              return `${action} ${prefix}/*`;
            }),
          ),
        );
        expect(grants.sort(), fn).toEqual(expected[fn]);
      }
    });
  });
});
