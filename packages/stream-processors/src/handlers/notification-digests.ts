import { digestDependenciesFromEnv } from "../dependencies.js";
import { createDigestHandler } from "../notifications/digest-handler.js";

/** Lambda entry: invoked by a window's one-time schedule with `{userId, kind, windowStart}`. */
export const handler = createDigestHandler(digestDependenciesFromEnv());
