import {
  ApiGatewayManagementApiClient,
  DeleteConnectionCommand,
  GoneException,
  PostToConnectionCommand,
} from "@aws-sdk/client-apigatewaymanagementapi";
import { managementApiClientOptionsFromEnv } from "@hearth/domain";
import { createProcessorTracer } from "../runtime.js";

export { WEBSOCKET_MANAGEMENT_ENDPOINT_ENV } from "@hearth/domain";

/** What posting one push to one connection came to; any other failure is thrown. */
export type PostOutcome = "sent" | "gone";

export interface ConnectionsApi {
  post(connectionId: string, data: string): Promise<PostOutcome>;
  /** Closes a connection (DeleteConnection); one already gone is "gone". */
  close(connectionId: string): Promise<PostOutcome>;
}

function isGone(error: unknown): boolean {
  return (
    error instanceof GoneException ||
    (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 410
  );
}

/** PostToConnection and DeleteConnection through the management API client; a GoneException (410) is "gone". */
export function managementApiConnections(client: ApiGatewayManagementApiClient): ConnectionsApi {
  return {
    async post(connectionId, data) {
      try {
        await client.send(
          new PostToConnectionCommand({ ConnectionId: connectionId, Data: new TextEncoder().encode(data) }),
        );
        return "sent";
      } catch (error) {
        if (isGone(error)) return "gone";
        throw error;
      }
    },
    async close(connectionId) {
      try {
        await client.send(new DeleteConnectionCommand({ ConnectionId: connectionId }));
        return "sent";
      } catch (error) {
        if (isGone(error)) return "gone";
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
  const config = managementApiClientOptionsFromEnv(env);
  return managementApiConnections(
    createProcessorTracer().captureAWSv3Client(new ApiGatewayManagementApiClient(config)),
  );
}
