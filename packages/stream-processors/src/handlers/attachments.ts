import { attachmentObjectsFromEnv } from "../attachments/s3-objects.js";
import { processorDependenciesFromEnv } from "../dependencies.js";
import { createAttachmentCleanupProcessor } from "../processor.js";

/** Lambda entry: the only processor with an S3 client (DeleteObjects on the attachments prefix). */
export const handler = createAttachmentCleanupProcessor({
  ...processorDependenciesFromEnv(),
  attachmentObjects: attachmentObjectsFromEnv(),
});
