import { buildDeletionsProcessor } from "./build.js";

/** Lambda entry of the deletion worker: runs each new deletion job with the account deletion cascade. */
export const handler = buildDeletionsProcessor();
