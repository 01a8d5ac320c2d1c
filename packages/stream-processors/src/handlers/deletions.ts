import { baseProcessorDependenciesFromEnv } from "../dependencies.js";
import { deletionRunnerFromEnv } from "../jobs/deletion-ports.js";
import { createDeletionProcessor } from "../processor.js";

/** Lambda entry of the deletion worker: runs each new deletion job with the account deletion cascade. */
export const handler = createDeletionProcessor(baseProcessorDependenciesFromEnv(), deletionRunnerFromEnv());
