import { deletionRunnerFromEnv } from "../jobs/deletion-ports.js";
import { jobWorkerDependenciesFromEnv } from "../jobs/dependencies.js";
import { createDeletionProcessor } from "../jobs/processors.js";

/** Lambda entry of the deletion worker: runs each new deletion job with the account deletion cascade. */
export const handler = createDeletionProcessor(jobWorkerDependenciesFromEnv(), deletionRunnerFromEnv());
