import { buildJobsArea } from "../areas/jobs.build.js";

/** Lambda entry of the jobs routes: built once per container from the function's environment. */
export const handler = buildJobsArea();
