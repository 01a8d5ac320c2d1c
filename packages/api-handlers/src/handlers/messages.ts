import { createAreaHandler } from "../area-handler.js";
import { messageRoutes } from "../areas/messages.js";
import { apiDependenciesFromEnv } from "../dependencies.js";

/** Lambda entry of the messages routes; built once per container. */
export const handler = createAreaHandler("messages", messageRoutes, apiDependenciesFromEnv());
