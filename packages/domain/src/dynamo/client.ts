import { DynamoDBClient, type DynamoDBClientConfig } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { functionTimeoutFromEnv, sdkClientTimeouts } from "../sdk-timeouts.js";

export interface DynamoConfig {
  /** Deployment stage; `prod`/`production` never talks to a local endpoint. */
  stage: string;
  /** Only for local engines (DynamoDB Local); undefined in AWS. */
  endpoint?: string | undefined;
  region?: string | undefined;
  /** The timeout of the function the client runs in; its calls' timeouts and retries fit inside. */
  functionTimeoutSeconds?: number | undefined;
}

export class ConfigurationError extends Error {
  override readonly name = "ConfigurationError";
}

export function isProductionStage(stage: string): boolean {
  return ["prod", "production"].includes(stage.trim().toLowerCase());
}

/**
 * Reads the DynamoDB configuration from the environment. `DYNAMODB_ENDPOINT` is honoured
 * only outside production; `STAGE` (or `NODE_ENV` as a fallback) names the stage;
 * `FUNCTION_TIMEOUT_SECONDS` is the function's own timeout.
 */
export function dynamoConfigFromEnv(env: NodeJS.ProcessEnv = process.env): DynamoConfig {
  return {
    stage: env.STAGE ?? env.NODE_ENV ?? "dev",
    endpoint: env.DYNAMODB_ENDPOINT || undefined,
    region: env.AWS_REGION || env.AWS_DEFAULT_REGION || undefined,
    functionTimeoutSeconds: functionTimeoutFromEnv(env),
  };
}

/** What an AWS SDK client of a function is configured from: a local engine only when named. */
export interface SdkClientConfig {
  stage: string;
  endpoint?: string | undefined;
  region?: string | undefined;
  functionTimeoutSeconds?: number | undefined;
}

/**
 * Options of any AWS SDK client of a function: timeouts and a retry budget that fit in the
 * function's time; the default credential chain and region in AWS; a local engine's endpoint
 * (with fixed credentials) only when configured, and never in production, where `envVar`
 * names the setting to unset.
 */
export function sdkClientOptions(config: SdkClientConfig, envVar: string, localRegion: string) {
  const timeouts = sdkClientTimeouts(config.functionTimeoutSeconds);
  if (!config.endpoint) {
    // Default credential chain and region resolution of the SDK.
    return config.region ? { ...timeouts, region: config.region } : timeouts;
  }
  if (isProductionStage(config.stage)) {
    throw new ConfigurationError(
      `Refusing to start: ${envVar} (${config.endpoint}) is set in the production stage "${config.stage}". ` +
        "A local endpoint is only for development and tests; unset it in production.",
    );
  }
  return {
    ...timeouts,
    endpoint: config.endpoint,
    region: config.region ?? localRegion,
    // Local engines accept any credentials; fixed ones keep data from being split per profile.
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
  };
}

/**
 * Builds the low-level client options: connection and request timeouts and a retry budget
 * that fit in the function's time; throws when production is pointed at a local endpoint.
 */
export function dynamoClientOptions(config: DynamoConfig): DynamoDBClientConfig {
  return sdkClientOptions(config, "DYNAMODB_ENDPOINT", "local");
}

/** A DynamoDB document client with the marshalling options every repository relies on. */
export function createDocumentClient(config: DynamoConfig = dynamoConfigFromEnv()): DynamoDBDocumentClient {
  const client = new DynamoDBClient(dynamoClientOptions(config));
  return DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
    unmarshallOptions: { wrapNumbers: false },
  });
}
