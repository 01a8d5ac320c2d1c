import { readFileSync, writeFileSync } from "node:fs";
import { OPENAPI_FILE } from "@hearth/api-handlers/openapi-file";
import { API_TYPES_FILE, apiTypesSource } from "./api-types-source.js";

/** `pnpm openapi` (second half): the client's types from the committed OpenAPI document. */
const document = JSON.parse(readFileSync(OPENAPI_FILE, "utf8")) as Record<string, unknown>;
writeFileSync(API_TYPES_FILE, await apiTypesSource(document));
console.log(`Wrote ${API_TYPES_FILE}`);
