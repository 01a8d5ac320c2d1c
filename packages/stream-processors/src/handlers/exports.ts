import { exportObjectsFromEnv } from "../exports/s3-export.js";
import { exportWorkerDependenciesFromEnv } from "../jobs/dependencies.js";
import { createExportProcessor } from "../jobs/processors.js";

/** Lambda entry of the export worker: an S3 client (multipart uploads under `exports/`), no SES client. */
export const handler = createExportProcessor({
  ...exportWorkerDependenciesFromEnv(),
  exportObjects: exportObjectsFromEnv(),
});
