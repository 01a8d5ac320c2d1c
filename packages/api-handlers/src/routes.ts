import type { RateLimitKind } from "@hearth/domain";

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
   * routes may read a body at all. `"optional"`: a request with an empty body and no
   * `Content-Type` (or a JSON one) is read as no body (a client from before the route took
   * one); any other is checked like a required body.
   */
  requestBody?: true | "optional";
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
    rateLimit: "comments",
  },
  { method: "DELETE", resource: "/comments/{itemId}/{commentId}", area: "comments", access: "member" },
  // A thread's replies, a page at a time.
  { method: "GET", resource: "/comments/{itemId}/{commentId}/replies", area: "comments", access: "member" },
  { method: "DELETE", resource: "/admin/comments/{commentId}", area: "comments", access: "admin" },
  {
    method: "POST",
    resource: "/reactions/{commentId}",
    area: "reactions",
    access: "member",
    requestBody: "optional",
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
  // The member directory, for a frontend's people screens.
  { method: "GET", resource: "/members", area: "profile", access: "member" },
  // The unread badge, message management, profile photos.
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
  // Admins let people in, and out.
  { method: "GET", resource: "/admin/members", area: "admin", access: "admin" },
  { method: "POST", resource: "/admin/members/{userId}/approve", area: "admin", access: "admin" },
  { method: "POST", resource: "/admin/members/{userId}/revoke", area: "admin", access: "admin" },
  // Data exports and account deletions, run as jobs by the job workers.
  { method: "POST", resource: "/me/exports", area: "jobs", access: "member" },
  { method: "GET", resource: "/me/exports/{jobId}", area: "jobs", access: "member" },
  { method: "POST", resource: "/me/deletion", area: "jobs", access: "member", requestBody: true },
  { method: "GET", resource: "/me/deletion/{jobId}", area: "jobs", access: "member" },
  { method: "DELETE", resource: "/admin/members/{userId}", area: "jobs", access: "admin" },
  { method: "GET", resource: "/admin/members/{userId}/deletion/{jobId}", area: "jobs", access: "admin" },
  // The in-app notification feed.
  { method: "GET", resource: "/notifications", area: "feed", access: "member" },
  {
    method: "PUT",
    resource: "/notifications/read",
    area: "feed",
    access: "member",
    requestBody: true,
  },
  // The one-click unsubscribe link of notification emails, signed instead of
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

/** Finds the route an API Gateway event was routed to. */
export function findRoute(method: string, resource: string): RouteDefinition | undefined {
  return ROUTES.find((route) => route.method === method && route.resource === resource);
}
