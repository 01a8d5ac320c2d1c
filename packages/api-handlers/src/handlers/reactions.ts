import { buildReactionsArea } from "../areas/reactions.build.js";

/** Lambda entry of the reactions routes: built once per container from the function's environment. */
export const handler = buildReactionsArea();
