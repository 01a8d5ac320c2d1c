import { createDeletionRunner } from "../deletions/runner.js";
import { baseProcessorDependenciesFromEnv } from "../dependencies.js";
import { createDeletionProcessor } from "../processor.js";

/** Lambda entry of the deletion worker: runs each new deletion job with the deletion runner. */
export const handler = createDeletionProcessor(baseProcessorDependenciesFromEnv(), createDeletionRunner);
