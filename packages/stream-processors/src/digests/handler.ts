import { buildDigestFunction } from "./build.js";

/** Lambda entry: invoked by a window's one-time schedule with `{userId, kind, windowStart}`. */
export const handler = buildDigestFunction();
