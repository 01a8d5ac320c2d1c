import type { Logger } from "@aws-lambda-powertools/logger";
import {
  ConnectionLimitError,
  type ConnectionsRepository,
  isMember,
  MAX_SUBSCRIPTIONS_PER_CONNECTION,
  NotFoundError,
  SubscriptionLimitError,
} from "@hearth/domain";
import type {
  RealtimeAuthorizerContext,
  RealtimeErrorCode,
  RealtimeReply,
} from "@hearth/views/realtime-protocol";
import * as z from "zod";
import { isValidParameterValue } from "../http/request.js";

/**
 * A WebSocket route event (API Gateway's `APIGatewayProxyWebsocketEventV2`, or the local
 * server's copy of it) with the authorizer's context, which API Gateway passes to every route.
 */
export interface RealtimeRouteEvent {
  body?: string | null;
  isBase64Encoded?: boolean;
  requestContext: {
    routeKey: string;
    connectionId: string;
    authorizer?: Partial<Record<keyof RealtimeAuthorizerContext, unknown>> | null;
  };
}

export interface RealtimeRouteResult {
  statusCode: number;
  body?: string;
}

export interface RealtimeRouteDependencies {
  connections: Pick<ConnectionsRepository, "connect" | "remove" | "subscribe" | "unsubscribe">;
  logger: Pick<Logger, "info" | "warn" | "error">;
}

/** Largest client message read, in bytes: more than any message of the protocol needs. */
export const MAX_CLIENT_MESSAGE_BYTES = 4096;

const itemIdField = z
  .string({ error: "itemId must be a string" })
  .refine((itemId) => isValidParameterValue("itemId", itemId), {
    message:
      "itemId must be an item id such as /2015/christmas (at most 512 characters, no control characters)",
  });
const subscriptionMessage = z.object({ action: z.enum(["subscribe", "unsubscribe"]), itemId: itemIdField });

const reply = (message: RealtimeReply): RealtimeRouteResult => ({
  statusCode: 200,
  body: JSON.stringify(message),
});
const errorReply = (code: RealtimeErrorCode, message: string) => reply({ type: "error", code, message });

interface Identity {
  userId: string;
  groups: string[];
  displayName?: string | undefined;
}

function identityOf(event: RealtimeRouteEvent): Identity | undefined {
  const context = event.requestContext.authorizer;
  const userId = typeof context?.userId === "string" ? context.userId : "";
  if (!userId) return undefined;
  const groups =
    typeof context?.groups === "string" ? context.groups.split(",").filter((group) => group.trim()) : [];
  const displayName = typeof context?.displayName === "string" ? context.displayName : undefined;
  return { userId, groups, displayName };
}

function parseBody(event: RealtimeRouteEvent): unknown {
  const raw = event.isBase64Encoded ? Buffer.from(event.body ?? "", "base64").toString("utf8") : event.body;
  if (!raw || Buffer.byteLength(raw) > MAX_CLIENT_MESSAGE_BYTES) return undefined;
  try {
    return JSON.parse(raw);
  } catch {
    return undefined;
  }
}

/**
 * The one function behind every WebSocket route, by `requestContext.routeKey`: `$connect`
 * stores the connection the authorizer let in, `$disconnect` removes it with its
 * subscriptions, and the client's messages get a reply. A bad or unknown message gets an
 * `error` reply (status 200: the connection stays open, nothing is changed), never a 5xx.
 */
export function createRealtimeRoutes(deps: RealtimeRouteDependencies) {
  const { connections, logger } = deps;

  async function handleMessage(event: RealtimeRouteEvent, identity: Identity): Promise<RealtimeRouteResult> {
    const { connectionId } = event.requestContext;
    const message = parseBody(event);
    if (typeof message !== "object" || message === null || Array.isArray(message)) {
      return errorReply(
        "bad_request",
        `Messages are JSON objects of at most ${MAX_CLIENT_MESSAGE_BYTES} bytes with an "action"`,
      );
    }
    const action = (message as { action?: unknown }).action;
    if (action === "ping") return reply({ type: "pong" });
    if (action !== "subscribe" && action !== "unsubscribe") {
      return errorReply(
        "unknown_action",
        `Unknown action ${JSON.stringify(action ?? null)}: use subscribe, unsubscribe or ping`,
      );
    }
    const parsed = subscriptionMessage.safeParse(message);
    if (!parsed.success) {
      return errorReply("bad_request", parsed.error.issues[0]?.message ?? "The message is not valid");
    }
    const { itemId } = parsed.data;
    try {
      if (action === "subscribe") {
        const subscriptions = await connections.subscribe(identity.userId, connectionId, itemId);
        return reply({ type: "subscribed", itemId, subscriptions });
      }
      const subscriptions = await connections.unsubscribe(identity.userId, connectionId, itemId);
      return reply({ type: "unsubscribed", itemId, subscriptions });
    } catch (error) {
      if (error instanceof SubscriptionLimitError) {
        return errorReply(
          "too_many_subscriptions",
          `A connection follows at most ${MAX_SUBSCRIPTIONS_PER_CONNECTION} items; unsubscribe from one first`,
        );
      }
      if (error instanceof NotFoundError) {
        return errorReply("not_connected", "This connection is not open any more; reconnect");
      }
      logger.error("A WebSocket message failed", { action, connectionId, error: error as Error });
      return errorReply("unavailable", "That did not work this time; try again in a moment");
    }
  }

  return async (event: RealtimeRouteEvent): Promise<RealtimeRouteResult> => {
    const { routeKey, connectionId } = event.requestContext;
    const identity = identityOf(event);
    if (routeKey === "$connect") {
      // Only reached after the authorizer allowed the handshake; a member without an
      // identity cannot happen there, but nothing is stored without one.
      if (!identity || !isMember(identity)) return { statusCode: 401 };
      try {
        await connections.connect({ ...identity, connectionId });
      } catch (error) {
        // A sixth connection is refused, not the oldest closed: the open pages keep theirs.
        if (!(error instanceof ConnectionLimitError)) throw error;
        logger.warn("WebSocket refused: too many open connections", {
          connectionId,
          userId: identity.userId,
        });
        return { statusCode: 429 };
      }
      logger.info("WebSocket connected", { connectionId, userId: identity.userId });
      return { statusCode: 200 };
    }
    if (routeKey === "$disconnect") {
      if (identity) await connections.remove(identity.userId, connectionId);
      return { statusCode: 200 };
    }
    if (!identity) return errorReply("unauthorized", "This connection has no verified member; reconnect");
    return handleMessage(event, identity);
  };
}
