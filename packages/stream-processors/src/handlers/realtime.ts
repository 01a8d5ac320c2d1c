import { baseProcessorDependenciesFromEnv } from "../dependencies.js";
import { createRealtimeProcessor } from "../processor.js";
import { realtimeExtrasFromEnv } from "../realtime/dependencies.js";

/** Lambda entry: no SES client; the management API client and the URL signer of the files bucket. */
export const handler = createRealtimeProcessor({
  ...baseProcessorDependenciesFromEnv(),
  ...realtimeExtrasFromEnv(),
});
