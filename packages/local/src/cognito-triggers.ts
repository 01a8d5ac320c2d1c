import { createServer, type IncomingMessage, type Server } from "node:http";
import {
  AdminListGroupsForUserCommand,
  type CognitoIdentityProviderClient,
} from "@aws-sdk/client-cognito-identity-provider";
import type { EmailEventsHandler } from "@hearth/stream-processors";
import type { PreTokenGenerationTriggerEvent } from "aws-lambda";
import { SES_EVENTS_PATH, simulateSesEvents } from "./ses-events.js";

/**
 * The user pool's Lambda triggers, locally: the Auth stack wires the sign-in function as
 * Pre Token Generation; here cognito-local is configured with the same trigger and calls it
 * through the Lambda Invoke API, which this small server answers by running the same handler
 * in-process. cognito-local leaves `groupConfiguration` empty (real Cognito fills it with the
 * user's groups), so the server fills it in from the pool first, as Cognito would.
 */
export const SIGN_IN_TRIGGER_NAME = "hearth-local-auth-sign-in";

export type PreTokenGenerationHandler = (
  event: PreTokenGenerationTriggerEvent,
) => Promise<PreTokenGenerationTriggerEvent>;

export interface CognitoTriggerServerOptions {
  /** Built lazily: the trigger's tables exist only once DynamoDB has started. */
  signIn: () => PreTokenGenerationHandler;
  /**
   * The SES event function, for `POST /__local/ses-events` (the local SES publishes no
   * bounces or complaints, so a developer or the e2e suite posts one; see ses-events.ts).
   */
  sesEvents?: () => EmailEventsHandler;
  cognito: () => CognitoIdentityProviderClient;
  log?: (line: string) => void;
}

/** `/2015-03-31/functions/<name>/invocations`, the path the SDK invokes a function on. */
const INVOKE_PATH = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/;

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

/** The user's groups, as real Cognito hands them to Pre Token Generation. */
async function withGroups(
  cognito: CognitoIdentityProviderClient,
  event: PreTokenGenerationTriggerEvent,
): Promise<PreTokenGenerationTriggerEvent> {
  const output = await cognito.send(
    new AdminListGroupsForUserCommand({ UserPoolId: event.userPoolId, Username: event.userName }),
  );
  const groupsToOverride = (output.Groups ?? []).flatMap((group) =>
    group.GroupName ? [group.GroupName] : [],
  );
  return {
    ...event,
    request: {
      ...event.request,
      groupConfiguration: { ...event.request.groupConfiguration, groupsToOverride },
    },
  };
}

export function createCognitoTriggerServer(options: CognitoTriggerServerOptions): Server {
  return createServer(async (request, response) => {
    const reply = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      response.writeHead(status, { "Content-Type": "application/json", ...headers });
      response.end(JSON.stringify(body));
    };
    if (options.sesEvents && request.url === SES_EVENTS_PATH) {
      const { status, body } = await simulateSesEvents(request, readBody, options.sesEvents, options.log);
      reply(status, body);
      return;
    }
    const name = request.method === "POST" ? INVOKE_PATH.exec(request.url ?? "")?.[1] : undefined;
    if (!name || decodeURIComponent(name) !== SIGN_IN_TRIGGER_NAME) {
      reply(
        404,
        { Type: "User", message: "Function not found" },
        { "x-amzn-ErrorType": "ResourceNotFoundException" },
      );
      return;
    }
    try {
      const event = JSON.parse(await readBody(request)) as PreTokenGenerationTriggerEvent;
      const result = await options.signIn()(await withGroups(options.cognito(), event));
      reply(200, result);
    } catch (error) {
      // What Lambda answers for a function that threw: 200 with X-Amz-Function-Error.
      options.log?.(`Sign-in trigger failed: ${error instanceof Error ? error.message : String(error)}`);
      reply(
        200,
        { errorType: "Error", errorMessage: error instanceof Error ? error.message : String(error) },
        { "X-Amz-Function-Error": "Unhandled" },
      );
    }
  });
}
