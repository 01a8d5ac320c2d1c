import type { FunctionManifest } from "@hearth/domain";
import { type BundlingOptions, LogLevel, OutputFormat } from "aws-cdk-lib/aws-lambda-nodejs";

/**
 * The sources of the SDK's default credential chain that it imports lazily, only after the
 * environment variables gave no credentials (SSO, shared ini files and the STS/SSO clients
 * behind them, credential_process, web identity token files, container and instance
 * metadata). Lambda always sets `AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY`/
 * `AWS_SESSION_TOKEN` from the function's role, so the chain stops at `fromEnv` and these
 * are never loaded; left out of the bundle they save about 105 KiB per function (with
 * Powertools Tracer, that keeps every bundle under the 700 KiB budget). The chain itself is
 * unchanged: were the variables missing, the next link would fail to load, as loudly as a
 * missing role.
 */
export const LAZY_CREDENTIAL_SOURCES = [
  "@aws-sdk/credential-provider-sso",
  "@aws-sdk/credential-provider-ini",
  "@aws-sdk/credential-provider-process",
  "@aws-sdk/credential-provider-web-identity",
  "@aws-sdk/credential-provider-http",
  "@smithy/credential-provider-imds",
] as const;

/**
 * Required only by the X-Ray SDK's AWS SDK v2 patcher (`captureAWS`), which no function calls
 * (Powertools Tracer captures SDK v3 clients). A patch (`patches/aws-xray-sdk-core*.patch`) moves
 * that require from the module's top into `captureAWS`, so leaving it out saves about 28 KiB per
 * function and nothing loads it at start-up (the bundling test imports every bundle).
 */
export const LAZY_SDK_V2_SEMVER = "semver";

/**
 * The esbuild settings of every function, shared by the stacks (through `nodejsBundling`)
 * and by `pnpm bundle` (through `esbuildBuildOptions`), so the bundle measured locally is
 * byte for byte the one deployed.
 */
export const ESBUILD_SETTINGS = {
  target: "node22",
  format: "esm",
  minify: true,
  sourcemap: true,
  treeShaking: true,
  // Prefer ES module builds of dependencies: they tree-shake far better.
  mainFields: ["module", "main"],
  // Only what Lambda never loads is external (LAZY_CREDENTIAL_SOURCES, LAZY_SDK_V2_SEMVER;
  // esbuildSettingsFor adds the event-stream codec); the AWS SDK itself is bundled at the
  // version the lockfile pins, not the runtime's.
  external: [...LAZY_CREDENTIAL_SOURCES, LAZY_SDK_V2_SEMVER] as string[],
  // CommonJS dependencies bundled into an ES module still call `require` for Node built-ins.
  // Quiet builds: only warnings and errors reach the console.
  logLevel: "warning",
  banner:
    "import { createRequire as __hearthCreateRequire } from 'node:module'; const require = __hearthCreateRequire(import.meta.url);",
} as const;

/**
 * The SDK's event-stream codec. Every client's protocol imports it lazily (`await import(…)`),
 * only for an operation that streams events; none that our functions call does (DynamoDB,
 * SES, Secrets Manager, Cognito, presigning). Left out it saves about 15 KiB per function.
 * The S3 client is the exception: it imports the codec statically at construction (for
 * SelectObjectContent), so the functions that carry it keep the codec bundled.
 */
export const LAZY_EVENT_STREAM_CODEC = "@smithy/core/event-streams";

/**
 * Whether a function carries the S3 client (asserted against its bundle in bundling.test.ts): the
 * API only presigns (a signature, no client), and so does a function that only serves GETs; a
 * function with any other object right outside the API calls S3 itself.
 */
export function carriesS3Client(manifest: Pick<FunctionManifest, "kind" | "files">): boolean {
  return (
    manifest.kind !== "api" &&
    (manifest.files ?? []).some((access) => access.actions.some((action) => action !== "s3:GetObject"))
  );
}

/** ESBUILD_SETTINGS for one function: the event-stream codec left out unless it carries the S3 client. */
export function esbuildSettingsFor(
  definition: Pick<FunctionManifest, "kind" | "files">,
): typeof ESBUILD_SETTINGS {
  if (carriesS3Client(definition)) return ESBUILD_SETTINGS;
  return { ...ESBUILD_SETTINGS, external: [...ESBUILD_SETTINGS.external, LAZY_EVENT_STREAM_CODEC] };
}

/** The output file name of an ES module bundle, as NodejsFunction writes it. */
export const BUNDLE_FILE = "index.mjs";

/** ESBUILD_SETTINGS in NodejsFunction's terms. */
export function nodejsBundling(settings = ESBUILD_SETTINGS): BundlingOptions {
  return {
    target: settings.target,
    format: settings.format === "esm" ? OutputFormat.ESM : OutputFormat.CJS,
    minify: settings.minify,
    sourceMap: settings.sourcemap,
    mainFields: [...settings.mainFields],
    externalModules: [...settings.external],
    banner: settings.banner,
    logLevel: settings.logLevel === "warning" ? LogLevel.WARNING : LogLevel.INFO,
    esbuildArgs: { "--tree-shaking": settings.treeShaking ? "true" : "false" },
  };
}
