import { buildCommentsArea } from "../areas/comments.build.js";

/** Lambda entry of the comments routes: built once per container from the function's environment. */
export const handler = buildCommentsArea();
