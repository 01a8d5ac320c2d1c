import { processorManifest } from "../processor-manifest.js";
import { JOB_FUNCTION_TIMEOUT_SECONDS, jobInserts } from "../stream-subscriptions.js";

/**
 * The export worker: reads everything of one member (Queries only) and moves its job along.
 * It keeps no idempotency records: the job itself says what was done (see jobs/processors.ts);
 * the IdempotencyRecords table only gets the note of why a record failed (an update).
 */
export const exportsManifest = processorManifest("exports", import.meta.url, {
  description: "job worker: data exports",
  timeoutSeconds: JOB_FUNCTION_TIMEOUT_SECONDS,
  tables: {
    Jobs: "readWrite",
    UserProfiles: "read",
    Comments: "read",
    CommentReactions: "read",
    ConversationMembers: "read",
    Messages: "read",
    IdempotencyRecords: "readUpdate",
  },
  files: [
    {
      prefix: "exports/",
      // Multipart: PutObject covers the parts and the completion; an abandoned upload is aborted.
      actions: ["s3:PutObject", "s3:AbortMultipartUpload"],
      reason:
        "Each export is written under exports/<member>/<job>/, known only when the job runs, so the write right covers the exports prefix only.",
    },
  ],
  subscriptions: [{ table: "Jobs", filterPatterns: [jobInserts("export")] }],
  settings: ["filesBucket"],
});
