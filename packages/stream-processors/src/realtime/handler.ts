import { buildRealtimeProcessor } from "./build.js";

/** Lambda entry: no SES client; the management API client and the URL signer of the files bucket. */
export const handler = buildRealtimeProcessor();
