import { fileURLToPath } from "node:url";
import type { FilesAccess, FunctionManifest, Setting, TableAccess, TableName } from "@hearth/domain";
import type { ApiArea } from "../routes.js";

/**
 * How long an API function may run, in seconds: infra configures the functions with it, the
 * local gateway enforces it, and the SDK clients fit their timeouts and retries inside it
 * (through `FUNCTION_TIMEOUT_SECONDS`). API Gateway itself gives up after 29 seconds.
 */
export const API_FUNCTION_TIMEOUT_SECONDS = 10;

/**
 * The manifest of one API area's function: every area answers CORS from `allowedOrigins`,
 * signs cursors and checks unsubscribe links with the cursor secret, knows the rate limits, and
 * reads the revocation list (a token issued before its holder's revocation is refused).
 */
export function areaManifest<A extends ApiArea>(
  area: A,
  what: {
    description: string;
    tables: Partial<Record<TableName, TableAccess>>;
    files?: readonly FilesAccess[];
    settings?: readonly Setting[];
  } & Pick<FunctionManifest, "userPoolActions">,
): FunctionManifest<`api-${A}`> {
  return {
    name: `api-${area}`,
    kind: "api",
    entry: fileURLToPath(new URL(`../handlers/${area}.ts`, import.meta.url)),
    description: `API: ${what.description}`,
    timeoutSeconds: API_FUNCTION_TIMEOUT_SECONDS,
    memoryMb: 512,
    tables: { Revocations: "read", ...what.tables },
    ...(what.files ? { files: what.files } : {}),
    ...(what.userPoolActions ? { userPoolActions: what.userPoolActions } : {}),
    settings: ["allowedOrigins", "rateLimits", "cursorSecret", ...(what.settings ?? [])],
  };
}

/**
 * Serving a profile photo is a presigned GET: a presigned URL carries its signer's rights, so
 * every area whose answers show photos gets exactly this one.
 */
export const SERVES_PROFILE_PHOTOS: FilesAccess = {
  prefix: "profile-photos/",
  actions: ["s3:GetObject"],
  reason:
    "Profile photos are served as presigned GETs wherever a member's photo appears; keys are per upload, so the right covers the photo prefix only.",
};
