import { buildMessagesArea } from "../areas/messages.build.js";

/** Lambda entry of the messages routes: built once per container from the function's environment. */
export const handler = buildMessagesArea();
