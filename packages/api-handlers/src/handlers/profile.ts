import { buildProfileArea } from "../areas/profile.build.js";

/** Lambda entry of the profile routes: built once per container from the function's environment. */
export const handler = buildProfileArea();
