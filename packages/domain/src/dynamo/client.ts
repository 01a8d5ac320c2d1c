import { DynamoDBClient, type DynamoDBClientConfig } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import {
  LOCAL_ENDPOINT_ENV,
  type SdkClientConfig,
  sdkClientConfigFromEnv,
  sdkClientOptions,
} from "../aws/clients.js";

/** DynamoDB's client settings: `DYNAMODB_ENDPOINT` names DynamoDB Local (never in production). */
export type DynamoConfig = SdkClientConfig;

/**
 * Reads the DynamoDB configuration from the environment. `DYNAMODB_ENDPOINT` is honoured
 * only outside production; `STAGE` (or `NODE_ENV` as a fallback) names the stage;
 * `FUNCTION_TIMEOUT_SECONDS` is the function's own timeout.
 */
export function dynamoConfigFromEnv(env: NodeJS.ProcessEnv = process.env): DynamoConfig {
  return sdkClientConfigFromEnv(env, LOCAL_ENDPOINT_ENV.dynamodb);
}

/**
 * Builds the low-level client options: connection and request timeouts and a retry budget
 * that fit in the function's time; throws when production is pointed at a local endpoint.
 */
export function dynamoClientOptions(config: DynamoConfig): DynamoDBClientConfig {
  return sdkClientOptions(config, LOCAL_ENDPOINT_ENV.dynamodb, "local");
}

/** A DynamoDB document client with the marshalling options every repository relies on. */
export function createDocumentClient(config: DynamoConfig = dynamoConfigFromEnv()): DynamoDBDocumentClient {
  const client = new DynamoDBClient(dynamoClientOptions(config));
  return DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
    unmarshallOptions: { wrapNumbers: false },
  });
}
