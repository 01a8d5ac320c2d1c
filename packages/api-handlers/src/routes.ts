import { fileURLToPath } from "node:url";
import type { TableName } from "@hearth/domain";

/**
 * The route table: the only place the API's routes are declared. API Gateway (infra) and
 * the local gateway (local) are both generated from it, and each area's handler routes on
 * `event.resource` + `event.httpMethod` against the same entries.
 */
export type HttpMethod = "GET" | "POST" | "PUT" | "DELETE";
export type ApiArea = "profile" | "comments" | "reactions" | "messages";
/** `member`: ApprovedUsers or Admins; `admin`: Admins only. */
export type Access = "member" | "admin";

export interface RouteDefinition {
  method: HttpMethod;
  /** API Gateway resource path, with `{name}` path parameters. */
  resource: string;
  area: ApiArea;
  access: Access;
  /**
   * The route reads a JSON request body: the shared request parsing then requires
   * `Content-Type: application/json` (415 otherwise) before the route runs, and only these
   * routes may read a body at all.
   */
  requestBody?: true;
}

export const ROUTES = [
  { method: "GET", resource: "/profile/{userId}", area: "profile", access: "member" },
  { method: "PUT", resource: "/profile", area: "profile", access: "member", requestBody: true },
  { method: "GET", resource: "/profile/{userId}/comments", area: "profile", access: "member" },
  { method: "GET", resource: "/comments/{itemId}", area: "comments", access: "member" },
  { method: "POST", resource: "/comments/{itemId}", area: "comments", access: "member", requestBody: true },
  {
    method: "PUT",
    resource: "/comments/{itemId}/{commentId}",
    area: "comments",
    access: "member",
    requestBody: true,
  },
  { method: "DELETE", resource: "/comments/{itemId}/{commentId}", area: "comments", access: "member" },
  { method: "DELETE", resource: "/admin/comments/{commentId}", area: "comments", access: "admin" },
  { method: "POST", resource: "/reactions/{commentId}", area: "reactions", access: "member" },
  { method: "GET", resource: "/reactions/{commentId}", area: "reactions", access: "member" },
  { method: "GET", resource: "/messages/conversations", area: "messages", access: "member" },
  {
    method: "POST",
    resource: "/messages/conversations",
    area: "messages",
    access: "member",
    requestBody: true,
  },
  { method: "GET", resource: "/messages/conversations/{conversationId}", area: "messages", access: "member" },
  {
    method: "POST",
    resource: "/messages/conversations/{conversationId}",
    area: "messages",
    access: "member",
    requestBody: true,
  },
  {
    method: "PUT",
    resource: "/messages/conversations/{conversationId}/read",
    area: "messages",
    access: "member",
  },
  { method: "POST", resource: "/messages/upload", area: "messages", access: "member", requestBody: true },
  // Screens a frontend builds (issue 10): the member directory.
  { method: "GET", resource: "/members", area: "profile", access: "member" },
] as const satisfies readonly RouteDefinition[];

export const API_AREAS = [
  "profile",
  "comments",
  "reactions",
  "messages",
] as const satisfies readonly ApiArea[];

/** The Lambda entry file of each area (exports `handler`), for NodejsFunction bundling. */
export const API_HANDLER_ENTRIES: Record<ApiArea, string> = {
  profile: fileURLToPath(new URL("./handlers/profile.ts", import.meta.url)),
  comments: fileURLToPath(new URL("./handlers/comments.ts", import.meta.url)),
  reactions: fileURLToPath(new URL("./handlers/reactions.ts", import.meta.url)),
  messages: fileURLToPath(new URL("./handlers/messages.ts", import.meta.url)),
};

/**
 * How long an API function may run, in seconds: infra configures the functions with it, the
 * local gateway enforces it, and the SDK clients fit their timeouts and retries inside it
 * (through `FUNCTION_TIMEOUT_SECONDS`). API Gateway itself gives up after 29 seconds.
 */
export const API_FUNCTION_TIMEOUT_SECONDS = 10;

export type TableAccess = "read" | "readWrite";

/**
 * The tables each area touches and how: infra grants exactly these, nothing more.
 * Keep in step with what the area's handler calls.
 */
export const API_TABLE_ACCESS: Record<ApiArea, Partial<Record<TableName, TableAccess>>> = {
  // CommentReactions is read for `viewerHasReacted` on comment lists.
  profile: { UserProfiles: "readWrite", Comments: "read", CommentReactions: "read" },
  // Areas with POST routes store idempotent responses (Powertools puts, updates and deletes them).
  comments: {
    Comments: "readWrite",
    CommentLocators: "readWrite",
    UserProfiles: "read",
    CommentReactions: "read",
    IdempotencyRecords: "readWrite",
  },
  reactions: {
    CommentReactions: "readWrite",
    Comments: "readWrite",
    CommentLocators: "readWrite",
    UserProfiles: "read",
    IdempotencyRecords: "readWrite",
  },
  messages: {
    Messages: "readWrite",
    ConversationMembers: "readWrite",
    UserProfiles: "read",
    IdempotencyRecords: "readWrite",
  },
};

/**
 * Attachment uploads: areas whose functions presign S3 PUTs, and the key prefix they sign
 * for. Infra grants those functions `s3:PutObject` on `${ATTACHMENT_KEY_PREFIX}*` of the
 * attachments bucket (a presigned URL carries the signer's permissions) and nothing more.
 */
export const ATTACHMENT_KEY_PREFIX = "attachments/";
export const API_ATTACHMENT_UPLOADERS = ["messages"] as const satisfies readonly ApiArea[];

/** Finds the route an API Gateway event was routed to. */
export function findRoute(method: string, resource: string): RouteDefinition | undefined {
  return ROUTES.find((route) => route.method === method && route.resource === resource);
}
