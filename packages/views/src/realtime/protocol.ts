import type * as z from "zod";
import type {
  commentDeletionSchema,
  commentViewSchema,
  messageViewSchema,
  notificationViewSchema,
  reactionCountsSchema,
} from "../views.js";

/**
 * The WebSocket protocol, both ways. API Gateway picks the route from `$request.body.action`;
 * the local server does the same with these names.
 */
export const REALTIME_ROUTE_SELECTION_EXPRESSION = "$request.body.action";
export const REALTIME_ACTIONS = ["subscribe", "unsubscribe", "ping"] as const;
export type RealtimeAction = (typeof REALTIME_ACTIONS)[number];
/** Every route of the API, all served by the one routes function. */
export const REALTIME_ROUTE_KEYS = ["$connect", "$disconnect", "$default", ...REALTIME_ACTIONS] as const;
export type RealtimeRouteKey = (typeof REALTIME_ROUTE_KEYS)[number];
/** The routes whose replies go back to the client (two-way routes with a route response). */
export const REALTIME_REPLYING_ROUTES = ["$default", ...REALTIME_ACTIONS] as const;
/** The `$connect` query parameter that carries the Cognito ID token. */
export const REALTIME_TOKEN_PARAMETER = "token";

export type RealtimeErrorCode =
  | "bad_request"
  | "unknown_action"
  | "too_many_subscriptions"
  | "not_connected"
  | "unauthorized"
  | "unavailable";

/** Replies to a client's message. */
export type RealtimeReply =
  | { type: "pong" }
  | { type: "subscribed"; itemId: string; subscriptions: string[] }
  | { type: "unsubscribed"; itemId: string; subscriptions: string[] }
  | { type: "error"; code: RealtimeErrorCode; message: string };

/** What the server pushes, unasked. */
export type RealtimePush =
  | { type: "message.created"; conversationId: string; message: z.infer<typeof messageViewSchema> }
  | {
      type: "conversation.updated";
      conversationId: string;
      unreadCount: number;
      lastMessageAt: string;
      lastMessagePreview: string;
    }
  | {
      type: "notification.created";
      notification: z.infer<typeof notificationViewSchema>;
      unreadCount: number;
    }
  | { type: "comment.created"; itemId: string; comment: z.infer<typeof commentViewSchema> }
  | { type: "comment.updated"; itemId: string; comment: z.infer<typeof commentViewSchema> }
  | { type: "comment.deleted"; itemId: string; comment: z.infer<typeof commentDeletionSchema> }
  | {
      type: "reaction.changed";
      itemId: string;
      commentId: string;
      reactionCount: number;
      reactionCounts: z.infer<typeof reactionCountsSchema>;
    };

/**
 * What the authorizer hands every route of the connection (API Gateway passes the context of
 * `$connect`'s authorizer to all of them): strings only, groups comma-separated.
 */
export type RealtimeAuthorizerContext = {
  userId: string;
  groups: string;
  displayName?: string;
};
