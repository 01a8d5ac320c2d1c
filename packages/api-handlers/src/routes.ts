import { fileURLToPath } from "node:url";
import type { RateLimitKind, TableName } from "@hearth/domain";

/**
 * The route table: the only place the API's routes are declared. API Gateway (infra) and
 * the local gateway (local) are both generated from it, and each area's handler routes on
 * `event.resource` + `event.httpMethod` against the same entries.
 */
export type HttpMethod = "GET" | "POST" | "PUT" | "DELETE";
export type ApiArea = "profile" | "comments" | "reactions" | "messages" | "admin" | "jobs" | "feed";
/**
 * `member`: ApprovedUsers or Admins; `admin`: Admins only; `public`: no Cognito token at all
 * (the route authenticates its request itself, e.g. with a signed token in the query).
 */
export type Access = "member" | "admin" | "public";

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
  /**
   * The per-member rate limit the route counts against (admins are not limited): the shared
   * area handler spends one request of this kind before the route runs, 429 `RATE_LIMITED`
   * when the member's window is used up.
   */
  rateLimit?: RateLimitKind;
}

export const ROUTES = [
  { method: "GET", resource: "/profile/{userId}", area: "profile", access: "member" },
  { method: "PUT", resource: "/profile", area: "profile", access: "member", requestBody: true },
  { method: "GET", resource: "/profile/{userId}/comments", area: "profile", access: "member" },
  { method: "GET", resource: "/comments/{itemId}", area: "comments", access: "member" },
  {
    method: "POST",
    resource: "/comments/{itemId}",
    area: "comments",
    access: "member",
    requestBody: true,
    rateLimit: "comments",
  },
  {
    method: "PUT",
    resource: "/comments/{itemId}/{commentId}",
    area: "comments",
    access: "member",
    requestBody: true,
  },
  { method: "DELETE", resource: "/comments/{itemId}/{commentId}", area: "comments", access: "member" },
  { method: "DELETE", resource: "/admin/comments/{commentId}", area: "comments", access: "admin" },
  {
    method: "POST",
    resource: "/reactions/{commentId}",
    area: "reactions",
    access: "member",
    rateLimit: "reactions",
  },
  { method: "GET", resource: "/reactions/{commentId}", area: "reactions", access: "member" },
  { method: "GET", resource: "/messages/conversations", area: "messages", access: "member" },
  {
    method: "POST",
    resource: "/messages/conversations",
    area: "messages",
    access: "member",
    requestBody: true,
    rateLimit: "messages",
  },
  { method: "GET", resource: "/messages/conversations/{conversationId}", area: "messages", access: "member" },
  {
    method: "POST",
    resource: "/messages/conversations/{conversationId}",
    area: "messages",
    access: "member",
    requestBody: true,
    rateLimit: "messages",
  },
  {
    method: "PUT",
    resource: "/messages/conversations/{conversationId}/read",
    area: "messages",
    access: "member",
  },
  {
    method: "POST",
    resource: "/messages/upload",
    area: "messages",
    access: "member",
    requestBody: true,
    rateLimit: "uploads",
  },
  // Screens a frontend builds (issue 10): the member directory.
  { method: "GET", resource: "/members", area: "profile", access: "member" },
  // Issue 10 (i10b): unread badge, message management, profile photos.
  { method: "GET", resource: "/messages/unread", area: "messages", access: "member" },
  {
    method: "DELETE",
    resource: "/messages/conversations/{conversationId}/{messageId}",
    area: "messages",
    access: "member",
  },
  {
    method: "POST",
    resource: "/messages/conversations/{conversationId}/leave",
    area: "messages",
    access: "member",
  },
  {
    method: "POST",
    resource: "/profile/photo",
    area: "profile",
    access: "member",
    requestBody: true,
    rateLimit: "uploads",
  },
  // Issue 12 (k12a): admins let people in.
  { method: "GET", resource: "/admin/members", area: "admin", access: "admin" },
  { method: "POST", resource: "/admin/members/{userId}/approve", area: "admin", access: "admin" },
  // Issue 12 (k12b): data exports and account deletions, run as jobs by the job workers.
  { method: "POST", resource: "/me/exports", area: "jobs", access: "member" },
  { method: "GET", resource: "/me/exports/{jobId}", area: "jobs", access: "member" },
  { method: "POST", resource: "/me/deletion", area: "jobs", access: "member", requestBody: true },
  { method: "GET", resource: "/me/deletion/{jobId}", area: "jobs", access: "member" },
  { method: "DELETE", resource: "/admin/members/{userId}", area: "jobs", access: "admin" },
  { method: "GET", resource: "/admin/members/{userId}/deletion/{jobId}", area: "jobs", access: "admin" },
  // Issue 13 (k13a): the in-app notification feed.
  { method: "GET", resource: "/notifications", area: "feed", access: "member" },
  {
    method: "PUT",
    resource: "/notifications/read",
    area: "feed",
    access: "member",
    requestBody: true,
  },
  // Issue 13 (unsub): the one-click unsubscribe link of notification emails, signed instead of
  // signed in. GET shows a page with a button and changes nothing; POST unsubscribes.
  { method: "GET", resource: "/unsubscribe", area: "profile", access: "public" },
  { method: "POST", resource: "/unsubscribe", area: "profile", access: "public" },
] as const satisfies readonly RouteDefinition[];

/** The routes anyone may call without a token: no authorizer in API Gateway nor in the local gateway. */
export function isPublicRoute(route: Pick<RouteDefinition, "access">): boolean {
  return route.access === "public";
}

export const API_AREAS = [
  "profile",
  "comments",
  "reactions",
  "messages",
  "admin",
  "jobs",
  "feed",
] as const satisfies readonly ApiArea[];

/** The Lambda entry file of each area (exports `handler`), for NodejsFunction bundling. */
export const API_HANDLER_ENTRIES: Record<ApiArea, string> = {
  profile: fileURLToPath(new URL("./handlers/profile.ts", import.meta.url)),
  comments: fileURLToPath(new URL("./handlers/comments.ts", import.meta.url)),
  reactions: fileURLToPath(new URL("./handlers/reactions.ts", import.meta.url)),
  messages: fileURLToPath(new URL("./handlers/messages.ts", import.meta.url)),
  admin: fileURLToPath(new URL("./handlers/admin.ts", import.meta.url)),
  jobs: fileURLToPath(new URL("./handlers/jobs.ts", import.meta.url)),
  feed: fileURLToPath(new URL("./handlers/feed.ts", import.meta.url)),
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
  // Areas with rate-limited routes count requests in RateLimits (one conditional UpdateItem each).
  profile: {
    UserProfiles: "readWrite",
    Comments: "read",
    CommentReactions: "read",
    IdempotencyRecords: "readWrite",
    RateLimits: "readWrite",
  },
  // Areas with POST routes store idempotent responses (Powertools puts, updates and deletes them).
  comments: {
    Comments: "readWrite",
    CommentLocators: "readWrite",
    UserProfiles: "read",
    CommentReactions: "read",
    IdempotencyRecords: "readWrite",
    RateLimits: "readWrite",
  },
  reactions: {
    CommentReactions: "readWrite",
    Comments: "readWrite",
    CommentLocators: "readWrite",
    UserProfiles: "read",
    IdempotencyRecords: "readWrite",
    RateLimits: "readWrite",
  },
  messages: {
    Messages: "readWrite",
    ConversationMembers: "readWrite",
    UserProfiles: "read",
    IdempotencyRecords: "readWrite",
    RateLimits: "readWrite",
  },
  // Approving is one conditional UpdateItem of the profile; admins are never rate limited.
  admin: {
    UserProfiles: "readWrite",
    IdempotencyRecords: "readWrite",
  },
  // Jobs are created here (a transaction with the active-job marker) and read back; a deletion
  // by an admin looks the profile up first. No route of the area is rate limited.
  jobs: {
    Jobs: "readWrite",
    UserProfiles: "read",
    IdempotencyRecords: "readWrite",
  },
  // The caller's own notification feed and unread counter: Query/GetItem, and the mark-read
  // transactions. (The area is `feed`: `notifications` names the stream processor.)
  feed: {
    Notifications: "readWrite",
  },
};

/**
 * The areas that change the user pool's groups: infra grants them
 * `cognito-idp:AdminAddUserToGroup` on the pool and passes its id (`USER_POOL_ID`).
 */
export const API_GROUP_MANAGERS = ["admin"] as const satisfies readonly ApiArea[];

/**
 * The files bucket (named by the attachments bucket) holds two key prefixes; a presigned
 * URL carries its signer's permissions, so infra grants each area exactly the S3 actions
 * on the prefixes listed here and nothing more:
 * - attachments: `s3:PutObject` for the areas that presign uploads, `s3:GetObject` for the
 *   areas that serve messages (their attachments' download URLs);
 * - profile photos: `s3:PutObject` for the area that presigns photo uploads,
 *   `s3:GetObject` for every area whose responses carry a profile photo.
 */
export const ATTACHMENT_KEY_PREFIX = "attachments/";
export const API_ATTACHMENT_UPLOADERS = ["messages"] as const satisfies readonly ApiArea[];
export const API_ATTACHMENT_READERS = ["messages"] as const satisfies readonly ApiArea[];
export { PROFILE_PHOTO_KEY_PREFIX } from "@hearth/views/photos";
export const API_PHOTO_UPLOADERS = ["profile"] as const satisfies readonly ApiArea[];
export const API_PHOTO_READERS = [
  "profile",
  "comments",
  "reactions",
  "messages",
] as const satisfies readonly ApiArea[];
/**
 * Export documents (`exports/`, see `EXPORT_KEY_PREFIX` in the domain): `s3:GetObject` for the
 * area that signs their download links; only the export worker writes them.
 */
export const API_EXPORT_READERS = ["jobs"] as const satisfies readonly ApiArea[];

/** Finds the route an API Gateway event was routed to. */
export function findRoute(method: string, resource: string): RouteDefinition | undefined {
  return ROUTES.find((route) => route.method === method && route.resource === resource);
}
