import { buildEmailEventsHandler } from "./build.js";

/** Lambda entry of the SES event handler (SNS subscription of the configuration set's topic). */
export const handler = buildEmailEventsHandler();
