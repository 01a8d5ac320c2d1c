import { processorDependenciesFromEnv } from "../dependencies.js";
import { digestSchedulerFromEnv } from "../notifications/digest-scheduler.js";
import { createNotificationProcessor } from "../processor.js";

/** Lambda entry: dependencies are built once per container from the environment. */
export const handler = createNotificationProcessor({
  ...processorDependenciesFromEnv(),
  digestScheduler: digestSchedulerFromEnv(),
});
