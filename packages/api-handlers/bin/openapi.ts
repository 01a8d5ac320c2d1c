import { writeFileSync } from "node:fs";
import { openApiJson } from "../src/openapi.js";
import { OPENAPI_FILE } from "../src/openapi-file.js";

/** `pnpm openapi` (first half): writes the OpenAPI document generated from the code. */
writeFileSync(OPENAPI_FILE, openApiJson());
console.log(`Wrote ${OPENAPI_FILE}`);
