import { attachmentObjectsFromEnv } from "../attachments/s3-objects.js";
import { pipelineDependenciesFromEnv } from "../dependencies.js";
import { createAttachmentCleanupProcessor } from "../processor.js";

/** Lambda entry: the only processor with an S3 client (DeleteObjects and PutObjectTagging on the attachments prefix); no SES client and no repositories: it reads only the stream record. */
export const handler = createAttachmentCleanupProcessor({
  ...pipelineDependenciesFromEnv(),
  attachmentObjects: attachmentObjectsFromEnv(),
});
