import { buildActivityProcessor } from "./build.js";

/** Lambda entry: the processor is built once per container from the environment. */
export const handler = buildActivityProcessor();
