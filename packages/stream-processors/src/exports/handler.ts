import { buildExportsProcessor } from "./build.js";

/** Lambda entry of the export worker: an S3 client (multipart uploads under `exports/`), no SES client. */
export const handler = buildExportsProcessor();
