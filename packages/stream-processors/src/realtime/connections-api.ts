import {
  ApiGatewayManagementApiClient,
  type ApiGatewayManagementApiClientConfig,
  GoneException,
  PostToConnectionCommand,
} from "@aws-sdk/client-apigatewaymanagementapi";
import {
  ConfigurationError,
  functionTimeoutFromEnv,
  isProductionStage,
  sdkClientTimeouts,
} from "@hearth/domain";
import { createProcessorTracer } from "../runtime.js";

/** Where pushes are posted: the API Gateway management API of the WebSocket stage (or the local server's). */
export const WEBSOCKET_MANAGEMENT_ENDPOINT_ENV = "WEBSOCKET_MANAGEMENT_ENDPOINT";

/** What posting one push to one connection came to; any other failure is thrown. */
export type PostOutcome = "sent" | "gone";

export interface ConnectionsApi {
  post(connectionId: string, data: string): Promise<PostOutcome>;
}

/** PostToConnection through the management API client; a GoneException (410) is "gone". */
export function managementApiConnections(client: ApiGatewayManagementApiClient): ConnectionsApi {
  return {
    async post(connectionId, data) {
      try {
        await client.send(
          new PostToConnectionCommand({ ConnectionId: connectionId, Data: new TextEncoder().encode(data) }),
        );
        return "sent";
      } catch (error) {
        if (
          error instanceof GoneException ||
          (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 410
        ) {
          return "gone";
        }
        throw error;
      }
    },
  };
}

/**
 * The management API client from the environment: `WEBSOCKET_MANAGEMENT_ENDPOINT`
 * (`https://<api id>.execute-api.<region>.amazonaws.com/<stage>` deployed; the local
 * server's URL locally, with dummy credentials, refused in production as every local
 * endpoint is), with timeouts that fit the function's.
 */
export function connectionsApiFromEnv(env: NodeJS.ProcessEnv = process.env): ConnectionsApi {
  const endpoint = env[WEBSOCKET_MANAGEMENT_ENDPOINT_ENV]?.trim();
  if (!endpoint)
    throw new ConfigurationError(`Missing environment variable ${WEBSOCKET_MANAGEMENT_ENDPOINT_ENV}`);
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new ConfigurationError(
      `${WEBSOCKET_MANAGEMENT_ENDPOINT_ENV} must be an absolute URL, not "${endpoint}"`,
    );
  }
  const stage = env.STAGE ?? env.NODE_ENV ?? "dev";
  const region = env.AWS_REGION || env.AWS_DEFAULT_REGION || undefined;
  const local = url.protocol !== "https:" || !url.hostname.endsWith(".amazonaws.com");
  if (local && isProductionStage(stage)) {
    throw new ConfigurationError(
      `Refusing to start: ${WEBSOCKET_MANAGEMENT_ENDPOINT_ENV} (${endpoint}) is not an API Gateway endpoint in the production stage "${stage}".`,
    );
  }
  const config: ApiGatewayManagementApiClientConfig = {
    ...sdkClientTimeouts(functionTimeoutFromEnv(env)),
    endpoint,
    ...(local
      ? { region: region ?? "local", credentials: { accessKeyId: "local", secretAccessKey: "local" } }
      : region
        ? { region }
        : {}),
  };
  return managementApiConnections(
    createProcessorTracer().captureAWSv3Client(new ApiGatewayManagementApiClient(config)),
  );
}
