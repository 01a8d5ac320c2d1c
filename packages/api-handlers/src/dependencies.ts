import { type StorageDependencies, storageDependenciesFromEnv } from "@hearth/views/storage-dependencies";
import type { AdminDependencies } from "./admin-dependencies.js";
import { type BaseApiDependencies, baseApiDependenciesFromEnv } from "./base-dependencies.js";
import type { ApiArea } from "./routes.js";

export * from "@hearth/views/storage-dependencies";
export * from "./base-dependencies.js";

/** Everything any area uses: what `createApiHandler` takes for all four areas. */
export interface ApiDependencies extends BaseApiDependencies, StorageDependencies {}

/**
 * What one area's routes may use. Every member area but the feed serves profile photos
 * (presigned GETs), so each gets the storage dependencies; they hold a signer, not an S3
 * client. The admin area shows no photos and is the one that changes the user pool's groups;
 * the notification feed shows names, not photos, so it needs the base dependencies only.
 */
export type AreaDependencies<A extends ApiArea> = A extends "admin"
  ? BaseApiDependencies & AdminDependencies
  : A extends "feed"
    ? BaseApiDependencies
    : ApiDependencies;

/** What `createApiHandler` takes to serve every area from one process (local stack, tests). */
export interface AllAreaDependencies extends ApiDependencies, AdminDependencies {}

/**
 * The dependencies of every area from the environment: table names, `STAGE`,
 * `DYNAMODB_ENDPOINT`/`S3_ENDPOINT` (local only), `CURSOR_SECRET_ARN` (or `CURSOR_SECRET`), `ALLOWED_ORIGINS`,
 * `RATE_LIMITS`, `ATTACHMENTS_BUCKET`, `AWS_REGION`, `LOG_LEVEL`. A missing or unsafe setting fails at
 * start-up, not on the first request.
 */
export function apiDependenciesFromEnv(env: NodeJS.ProcessEnv = process.env): ApiDependencies {
  return { ...baseApiDependenciesFromEnv(env), ...storageDependenciesFromEnv(env) };
}
