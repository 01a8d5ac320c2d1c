import { baseProcessorDependenciesFromEnv } from "../dependencies.js";
import { exportObjectsFromEnv } from "../exports/s3-export.js";
import { createExportProcessor } from "../processor.js";

/** Lambda entry of the export worker: an S3 client (multipart uploads under `exports/`), no SES client. */
export const handler = createExportProcessor({
  ...baseProcessorDependenciesFromEnv(),
  exportObjects: exportObjectsFromEnv(),
});
