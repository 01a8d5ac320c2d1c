import { buildDirectoryProcessor } from "./build.js";

/** Lambda entry: the processor is built once per container from the environment. */
export const handler = buildDirectoryProcessor();
