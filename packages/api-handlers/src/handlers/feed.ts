import { buildFeedArea } from "../areas/feed.build.js";

/** Lambda entry of the feed routes: built once per container from the function's environment. */
export const handler = buildFeedArea();
