import { buildAdminArea } from "../areas/admin.build.js";

/** Lambda entry of the admin routes: built once per container from the function's environment. */
export const handler = buildAdminArea();
