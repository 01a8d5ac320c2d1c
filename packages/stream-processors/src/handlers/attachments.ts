import { attachmentObjectsFromEnv } from "../attachments/s3-objects.js";
import { baseProcessorDependenciesFromEnv } from "../dependencies.js";
import { createAttachmentCleanupProcessor } from "../processor.js";

/** Lambda entry: the only processor with an S3 client (DeleteObjects on the attachments prefix), and no SES client. */
export const handler = createAttachmentCleanupProcessor({
  ...baseProcessorDependenciesFromEnv(),
  attachmentObjects: attachmentObjectsFromEnv(),
});
