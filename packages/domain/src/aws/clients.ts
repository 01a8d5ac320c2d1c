import { ConfigurationError } from "../errors.js";
import { emailSendClientTimeouts, functionTimeoutFromEnv, sdkClientTimeouts } from "./timeouts.js";

// The one home of how an AWS SDK client of a function is configured: the stage, the region,
// the local engines that may stand in for AWS services (never in production), and timeouts
// and retries that fit in the function's own time. It builds options only and imports no
// SDK client, so a bundle carries just the clients its function constructs itself.

/** The settings that point a client at a local engine instead of the AWS service. */
export const LOCAL_ENDPOINT_ENV = {
  dynamodb: "DYNAMODB_ENDPOINT",
  s3: "S3_ENDPOINT",
  ses: "SES_ENDPOINT",
  scheduler: "SCHEDULER_ENDPOINT",
  cognito: "COGNITO_ENDPOINT",
} as const;

/** Where the API Gateway management API of the WebSocket stage is (or the local server's). */
export const WEBSOCKET_MANAGEMENT_ENDPOINT_ENV = "WEBSOCKET_MANAGEMENT_ENDPOINT";

/** The deployment stage: `STAGE`, else `NODE_ENV`, else `dev`. */
export function stageFromEnv(env: NodeJS.ProcessEnv = process.env): string {
  return env.STAGE ?? env.NODE_ENV ?? "dev";
}

/** `prod`/`production`: the stage that never talks to a local engine. */
export function isProductionStage(stage: string): boolean {
  return ["prod", "production"].includes(stage.trim().toLowerCase());
}

/** `AWS_REGION` (Lambda sets it), else `AWS_DEFAULT_REGION`; undefined lets the SDK resolve it. */
export function regionFromEnv(env: NodeJS.ProcessEnv = process.env): string | undefined {
  return env.AWS_REGION?.trim() || env.AWS_DEFAULT_REGION?.trim() || undefined;
}

/** Refuses to start when a local stand-in is configured in the production stage. */
function refuseInProduction(stage: string, setting: string, value: string, why: string): void {
  if (isProductionStage(stage)) {
    throw new ConfigurationError(
      `Refusing to start: ${setting} (${value}) is set in the production stage "${stage}". ${why}`,
    );
  }
}

/**
 * A local engine's endpoint when one is configured, else undefined (the AWS service).
 * Refused in production: a local endpoint is only for development and tests.
 */
export function localEndpoint(
  stage: string,
  setting: string,
  endpoint: string | undefined,
): string | undefined {
  if (!endpoint) return undefined;
  refuseInProduction(
    stage,
    setting,
    endpoint,
    "A local endpoint is only for development and tests; unset it in production.",
  );
  return endpoint;
}

/** What an AWS SDK client of a function is configured from: a local engine only when named. */
export interface SdkClientConfig {
  /** Deployment stage; `prod`/`production` never talks to a local endpoint. */
  stage: string;
  /** Only for local engines; undefined in AWS. */
  endpoint?: string | undefined;
  region?: string | undefined;
  /** The timeout of the function the client runs in; its calls' timeouts and retries fit inside. */
  functionTimeoutSeconds?: number | undefined;
}

/** The client settings from the environment; `endpointSetting` names the client's local-engine setting. */
export function sdkClientConfigFromEnv(
  env: NodeJS.ProcessEnv = process.env,
  endpointSetting?: string,
): SdkClientConfig {
  return {
    stage: stageFromEnv(env),
    endpoint: endpointSetting ? env[endpointSetting]?.trim() || undefined : undefined,
    region: regionFromEnv(env),
    functionTimeoutSeconds: functionTimeoutFromEnv(env),
  };
}

export interface StaticCredentials {
  accessKeyId: string;
  secretAccessKey: string;
}

/** Local engines accept any credentials; fixed ones keep data from being split per profile. */
export const LOCAL_CREDENTIALS: StaticCredentials = { accessKeyId: "local", secretAccessKey: "local" };

export type SdkClientOptions = ReturnType<typeof sdkClientTimeouts> & {
  region?: string;
  endpoint?: string;
  credentials?: StaticCredentials;
};

/**
 * Options of any AWS SDK client of a function: timeouts and a retry budget that fit in the
 * function's time; the default credential chain and region in AWS; a local engine's endpoint
 * (with fixed credentials) only when configured, and never in production, where `setting`
 * names what to unset.
 */
export function sdkClientOptions<Timeouts extends object = ReturnType<typeof sdkClientTimeouts>>(
  config: SdkClientConfig,
  setting: string,
  localRegion: string,
  localCredentials: StaticCredentials = LOCAL_CREDENTIALS,
  timeoutsFor: (functionTimeoutSeconds?: number) => Timeouts = sdkClientTimeouts as never,
): Timeouts & Omit<SdkClientOptions, keyof ReturnType<typeof sdkClientTimeouts>> {
  const timeouts = timeoutsFor(config.functionTimeoutSeconds);
  const endpoint = localEndpoint(config.stage, setting, config.endpoint);
  if (!endpoint) {
    // Default credential chain and region resolution of the SDK.
    return config.region ? { ...timeouts, region: config.region } : timeouts;
  }
  return { ...timeouts, endpoint, region: config.region ?? localRegion, credentials: localCredentials };
}

/**
 * SESv2: `SES_ENDPOINT` names a local SES (aws-ses-v2-local). Sending is not idempotent, so
 * the client waits long for an answer and never repeats a send SES may have received.
 */
export function sesClientOptionsFromEnv(
  env: NodeJS.ProcessEnv = process.env,
): SdkClientOptions & ReturnType<typeof emailSendClientTimeouts> {
  return sdkClientOptions(
    sdkClientConfigFromEnv(env, LOCAL_ENDPOINT_ENV.ses),
    LOCAL_ENDPOINT_ENV.ses,
    "local",
    LOCAL_CREDENTIALS,
    emailSendClientTimeouts,
  );
}

/** EventBridge Scheduler: `SCHEDULER_ENDPOINT` names the local stand-in. */
export function schedulerClientOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): SdkClientOptions {
  return sdkClientOptions(
    sdkClientConfigFromEnv(env, LOCAL_ENDPOINT_ENV.scheduler),
    LOCAL_ENDPOINT_ENV.scheduler,
    "local",
  );
}

/** Cognito identity provider: `COGNITO_ENDPOINT` names cognito-local (whose pools live in us-east-1). */
export function cognitoClientOptions(config: SdkClientConfig): SdkClientOptions {
  return sdkClientOptions(config, LOCAL_ENDPOINT_ENV.cognito, "us-east-1");
}

/** Secrets Manager: always the AWS service (locally the secret comes from `CURSOR_SECRET`). */
export function secretsClientOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): SdkClientOptions {
  const { region, functionTimeoutSeconds } = sdkClientConfigFromEnv(env);
  const timeouts = sdkClientTimeouts(functionTimeoutSeconds);
  return region ? { ...timeouts, region } : timeouts;
}

/** s3rver's default key pair unless the environment names one; it checks signatures. */
export function localS3Credentials(env: NodeJS.ProcessEnv = process.env): StaticCredentials {
  return {
    accessKeyId: env.AWS_ACCESS_KEY_ID || "S3RVER",
    secretAccessKey: env.AWS_SECRET_ACCESS_KEY || "S3RVER",
  };
}

/** The region a local S3 signs for when none is set. */
export const LOCAL_S3_REGION = "us-east-1";

/** S3: `S3_ENDPOINT` names a local S3 (s3rver), addressed path-style. */
export function s3ClientOptionsFromEnv(
  env: NodeJS.ProcessEnv = process.env,
): SdkClientOptions & { forcePathStyle?: boolean } {
  const options = sdkClientOptions(
    sdkClientConfigFromEnv(env, LOCAL_ENDPOINT_ENV.s3),
    LOCAL_ENDPOINT_ENV.s3,
    LOCAL_S3_REGION,
    localS3Credentials(env),
  );
  return options.endpoint ? { ...options, forcePathStyle: true } : options;
}

/**
 * The API Gateway management API: `WEBSOCKET_MANAGEMENT_ENDPOINT` is always set
 * (`https://<api id>.execute-api.<region>.amazonaws.com/<stage>` deployed; the local
 * server's URL locally, with fixed credentials, refused in production as every local
 * endpoint is).
 */
export function managementApiClientOptionsFromEnv(
  env: NodeJS.ProcessEnv = process.env,
): SdkClientOptions & { endpoint: string } {
  const setting = WEBSOCKET_MANAGEMENT_ENDPOINT_ENV;
  const endpoint = env[setting]?.trim();
  if (!endpoint) throw new ConfigurationError(`Missing environment variable ${setting}`);
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new ConfigurationError(`${setting} must be an absolute URL, not "${endpoint}"`);
  }
  const stage = stageFromEnv(env);
  const region = regionFromEnv(env);
  const local = url.protocol !== "https:" || !url.hostname.endsWith(".amazonaws.com");
  if (local && isProductionStage(stage)) {
    throw new ConfigurationError(
      `Refusing to start: ${setting} (${endpoint}) is not an API Gateway endpoint in the production stage "${stage}".`,
    );
  }
  return {
    ...sdkClientTimeouts(functionTimeoutFromEnv(env)),
    endpoint,
    ...(local ? { region: region ?? "local", credentials: LOCAL_CREDENTIALS } : region ? { region } : {}),
  };
}

/** Where Cognito ID tokens are checked against: their issuer and, for a local pool, its key set. */
export interface TokenIssuer {
  issuer: string;
  /** Defaults to `<issuer>/.well-known/jwks.json`. */
  jwksUri?: string | undefined;
}

/**
 * The issuer of the user pool's ID tokens: the Cognito user pool's URL in `AWS_REGION`;
 * `TOKEN_ISSUER` (and `JWKS_URI`) replace it for a local pool only, and are refused in
 * production.
 */
export function tokenIssuerFromEnv(env: NodeJS.ProcessEnv, userPoolId: string): TokenIssuer {
  const override = env.TOKEN_ISSUER?.trim();
  if (override) {
    refuseInProduction(
      stageFromEnv(env),
      "TOKEN_ISSUER",
      override,
      "Only a local user pool has another issuer; unset it in production.",
    );
    return { issuer: override.replace(/\/+$/, ""), jwksUri: env.JWKS_URI?.trim() || undefined };
  }
  const region = regionFromEnv(env);
  if (!region) throw new ConfigurationError("AWS_REGION must be set to verify Cognito tokens");
  return { issuer: `https://cognito-idp.${region}.amazonaws.com/${userPoolId}` };
}
