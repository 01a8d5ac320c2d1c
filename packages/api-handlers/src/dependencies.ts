import { type BaseApiDependencies, baseApiDependenciesFromEnv } from "./base-dependencies.js";
import type { API_ATTACHMENT_UPLOADERS, ApiArea } from "./routes.js";
import { type UploadDependencies, uploadDependenciesFromEnv } from "./upload-dependencies.js";

export * from "./base-dependencies.js";
export * from "./upload-dependencies.js";

/** Everything any area uses: what `createApiHandler` takes for all four areas. */
export interface ApiDependencies extends BaseApiDependencies, UploadDependencies {}

/**
 * What one area's routes may use: the upload dependencies only for the areas the route
 * table lists as attachment uploaders, so the other functions never build an S3 client.
 */
export type AreaDependencies<A extends ApiArea> = A extends (typeof API_ATTACHMENT_UPLOADERS)[number]
  ? ApiDependencies
  : BaseApiDependencies;

/**
 * The dependencies of every area from the environment: table names, `STAGE`,
 * `DYNAMODB_ENDPOINT`/`S3_ENDPOINT` (local only), `CURSOR_SECRET`, `ALLOWED_ORIGINS`,
 * `ATTACHMENTS_BUCKET`, `AWS_REGION`, `LOG_LEVEL`. A missing or unsafe setting fails at
 * start-up, not on the first request.
 */
export function apiDependenciesFromEnv(env: NodeJS.ProcessEnv = process.env): ApiDependencies {
  const uploads = uploadDependenciesFromEnv(env);
  return { ...baseApiDependenciesFromEnv(env), ...uploads };
}
