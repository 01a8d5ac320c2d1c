import { fileURLToPath } from "node:url";

/** Where the committed OpenAPI document lives (written by `pnpm openapi`, checked by a test). */
export const OPENAPI_FILE = fileURLToPath(new URL("../openapi.json", import.meta.url));
