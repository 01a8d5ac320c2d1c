import { MAX_NAME_PREFIX } from "@hearth/domain";
import {
  ADMIN_MEMBER_STATUSES,
  adminMemberPageSchema,
  adminMemberViewSchema,
  anyProfileViewSchema,
  commentDeletionSchema,
  commentPageSchema,
  commentViewSchema,
  conversationPageSchema,
  jobAcceptedSchema,
  jobViewSchema,
  leftConversationSchema,
  memberPageSchema,
  membershipRevokedSchema,
  messagePageSchema,
  messageViewSchema,
  notificationPageSchema,
  notificationsReadSchema,
  ownProfileViewSchema,
  photoUploadSchema,
  presignedUploadSchema,
  reactionPageSchema,
  reactionToggleSchema,
  readReceiptSchema,
  startedConversationSchema,
  threadPageSchema,
  unreadTotalsSchema,
  unsubscribedSchema,
  unsubscribePageSchema,
} from "@hearth/views/views";
import type * as z from "zod";
import {
  deletionRequestBody,
  editCommentBody,
  markReadBody,
  newCommentBody,
  newConversationBody,
  newMessageBody,
  photoUploadBody,
  profileUpdateBody,
  reactionBody,
  uploadBody,
} from "./request-bodies.js";
import type { ROUTES } from "./routes.js";

/**
 * The API's published contract, route by route: what each entry of the route table takes and
 * answers. The OpenAPI document (`pnpm openapi`) is generated from this, the request bodies
 * are the very schemas the handlers validate with and the responses the views' schemas, and
 * the compiler holds each route's handler to its success body. Areas never import this file
 * (it would pull every area's schemas into each Lambda bundle).
 *
 * Adding a route: its route-table entry, then one entry here.
 */

type Route = (typeof ROUTES)[number];
/** `"GET /profile/{userId}"` and so on, for every route in the route table. */
export type AnyRouteKey = Route extends infer R
  ? R extends { method: string; resource: string }
    ? `${R["method"]} ${R["resource"]}`
    : never
  : never;

/** Every error status a route may answer, each with the `error.code`s it carries. */
export const ERROR_STATUSES = {
  400: { description: "The input is invalid; nothing was changed", codes: ["INVALID_INPUT"] },
  401: { description: "No valid Cognito ID token", codes: ["UNAUTHORIZED"] },
  403: {
    description:
      "The caller may not do this (not an admin, not theirs); `MEMBERSHIP_PENDING` when they signed in but an admin has not approved them yet; `MEMBERSHIP_REVOKED` when the token was issued before their membership ended (revoked, taken out of the groups, deleted); `TARGET_IS_ADMIN` when an admin would revoke or delete another admin; `ACCOUNT_DELETED` when their account was deleted",
    codes: ["FORBIDDEN", "MEMBERSHIP_PENDING", "MEMBERSHIP_REVOKED", "TARGET_IS_ADMIN", "ACCOUNT_DELETED"],
  },
  404: { description: "It does not exist (or no longer does)", codes: ["NOT_FOUND"] },
  409: {
    description: "The data changed while saving, or a request with the same Idempotency-Key is still running",
    codes: ["CONFLICT", "REQUEST_IN_PROGRESS"],
  },
  413: { description: "The body, a file or the stored item is too large", codes: ["PAYLOAD_TOO_LARGE"] },
  415: {
    description: "The body is not JSON (send Content-Type: application/json)",
    codes: ["UNSUPPORTED_MEDIA_TYPE"],
  },
  422: {
    description: "The Idempotency-Key was already used with a different request",
    codes: ["IDEMPOTENCY_KEY_REUSED"],
  },
  429: {
    description:
      "Too many requests (the database is busy, or the member used up a per-minute rate limit of writes); retry after the Retry-After header",
    codes: ["TOO_MANY_REQUESTS", "RATE_LIMITED"],
  },
  500: { description: "A fault on the server side", codes: ["INTERNAL_ERROR"] },
  502: { description: "The function behind the route failed", codes: [] },
  503: {
    description: "The data could not be reached in time; retry after the Retry-After header",
    codes: ["SERVICE_UNAVAILABLE"],
  },
  504: { description: "The request took too long", codes: [] },
} as const satisfies Record<number, { description: string; codes: readonly string[] }>;
export type ErrorStatus = keyof typeof ERROR_STATUSES;

/**
 * Codes API Gateway itself renders into the error shape (`$context.error.responseType`),
 * for answers no handler gave: a failed authorizer, throttling, an unknown route, a timeout.
 */
export const GATEWAY_ERROR_CODES: Partial<Record<ErrorStatus, readonly string[]>> = {
  400: ["BAD_REQUEST_PARAMETERS", "BAD_REQUEST_BODY"],
  401: ["UNAUTHORIZED", "EXPIRED_TOKEN"],
  403: ["ACCESS_DENIED", "MISSING_AUTHENTICATION_TOKEN", "WAF_FILTERED"],
  413: ["REQUEST_TOO_LARGE"],
  415: ["UNSUPPORTED_MEDIA_TYPE"],
  429: ["THROTTLED", "QUOTA_EXCEEDED"],
  500: ["DEFAULT_5XX", "API_CONFIGURATION_ERROR", "AUTHORIZER_CONFIGURATION_ERROR"],
  502: ["DEFAULT_5XX", "INTEGRATION_FAILURE"],
  504: ["INTEGRATION_TIMEOUT"],
};

/** Statuses every route can answer: bad input, no token, not a member, throttling, faults. */
const COMMON_ERROR_STATUSES = [400, 401, 403, 429, 500, 502, 503, 504] as const satisfies ErrorStatus[];

export interface RouteContract {
  /** Stable name of the operation (the OpenAPI operationId). */
  operationId: string;
  summary: string;
  description?: string;
  /** Takes `?limit=` (1–100) and `?cursor=` (from the previous page's `nextCursor`). */
  paginated?: boolean;
  /** The JSON body, as the handler validates it. */
  body?: z.ZodType;
  success: {
    status: 200 | 201 | 202;
    description: string;
    schema: z.ZodType;
    /** `text/html`: the body is a page (the schema a string); JSON otherwise. */
    mediaType?: "text/html";
  };
  /** A second success status with the same body (e.g. 200 "already running" beside 202 "started"). */
  alsoSuccess?: { status: 200; description: string };
  /** Takes an optional `If-Match` with the version the client last saw (409 when stale). */
  ifMatch?: boolean;
  /** Query parameters the route cannot do without (400 when missing or not valid). */
  requiredQuery?: Record<string, { description: string }>;
  /** Optional query parameters beyond the page's, each one of a few values (400 otherwise). */
  query?: Record<string, { description: string; values: readonly string[]; default: string }>;
  /** Optional free-text query parameters (400 when longer than `maxLength`). */
  textQuery?: Record<string, { description: string; maxLength: number }>;
  /** Error statuses beyond the common ones and those every write, body or POST can answer. */
  errors?: readonly ErrorStatus[];
}

export const ROUTE_CONTRACTS = {
  "GET /profile/{userId}": {
    operationId: "getProfile",
    summary: "A member's profile",
    description:
      "The owner and admins also get `email` and `notificationPreferences`; the owner also gets `emailStatus`. A private profile is 403 for anyone else.",
    success: { status: 200, description: "The profile", schema: anyProfileViewSchema },
    errors: [404],
  },
  "PUT /profile": {
    operationId: "updateOwnProfile",
    summary: "Create or update the caller's own profile",
    description: "Only the given fields change. Names and bios are reduced to plain text.",
    body: profileUpdateBody,
    success: { status: 200, description: "The profile as saved", schema: ownProfileViewSchema },
  },
  "GET /profile/{userId}/comments": {
    operationId: "listProfileComments",
    summary: "A member's comments, newest first",
    paginated: true,
    success: { status: 200, description: "One page of comments", schema: commentPageSchema },
    errors: [404],
  },
  "GET /comments/{itemId}": {
    operationId: "listItemComments",
    summary: "An item's top comments, oldest first, each with its first replies",
    description:
      "Top comments only, each with `replyCount` and its thread's first replies (up to 3, oldest first); `GET /comments/{itemId}/{commentId}/replies` pages the rest. Deleted comments are left out, except a deleted top comment whose thread still has replies: it keeps its place with `deleted: true` and no text. `itemId` looks like a path and travels percent-encoded.",
    paginated: true,
    success: { status: 200, description: "One page of top comments", schema: threadPageSchema },
  },
  "POST /comments/{itemId}": {
    operationId: "createComment",
    summary: "Comment on an item, or reply to a comment",
    description:
      "The text is reduced to plain text (1–2000 characters); the author's name and photo come from their profile. With `replyTo`, the comment is a reply: `replyTo` must be a comment on the same item (400 otherwise), not deleted (400), existing (404). Threads are two levels deep: a reply to a reply joins the top comment's thread (`threadId`) and keeps `replyTo`. `mentions` (at most 10 user ids, an id given twice counting once) names the members the text mentions: each must be a current member (every member may read every item), else 400 naming the position (`mentions[2] is not a member of the family archive`). Each mentioned member gets one `mention` notification (not a reply or comment one too); the author never does.",
    body: newCommentBody,
    success: { status: 201, description: "The new comment", schema: commentViewSchema },
    errors: [404],
  },
  "GET /comments/{itemId}/{commentId}/replies": {
    operationId: "listReplies",
    summary: "A thread's replies, oldest first",
    description:
      "`commentId` is the thread's top comment (a reply's id is a 400: page its `threadId`); a deleted top comment's thread is still paged. Deleted replies are left out.",
    paginated: true,
    success: { status: 200, description: "One page of replies", schema: commentPageSchema },
    errors: [404],
  },
  "PUT /comments/{itemId}/{commentId}": {
    operationId: "editComment",
    summary: "Edit the caller's own comment",
    description:
      "The last five earlier versions are kept in `editHistory`. Edits count against the member's comments rate limit, with new comments. `mentions` replaces the comment's list (checked as on a new comment; absent keeps it): only members it adds are notified.",
    body: editCommentBody,
    ifMatch: true,
    success: { status: 200, description: "The edited comment", schema: commentViewSchema },
    errors: [404],
  },
  "DELETE /comments/{itemId}/{commentId}": {
    operationId: "deleteComment",
    summary: "Delete the caller's own comment",
    success: { status: 200, description: "The comment is deleted", schema: commentDeletionSchema },
    errors: [404],
  },
  "DELETE /admin/comments/{commentId}": {
    operationId: "adminDeleteComment",
    summary: "Delete any comment (admins only)",
    success: { status: 200, description: "The comment is deleted", schema: commentDeletionSchema },
    errors: [404],
  },
  "POST /reactions/{commentId}": {
    operationId: "toggleReaction",
    summary: "React to a comment, change the reaction's kind, or take it back",
    description:
      "The body `{kind}` is optional (`like` when absent; a request with no body and no Content-Type is a like). No reaction yet: it is added; the same kind again: it is taken back; another kind: the reaction becomes that kind (one reaction per member and comment).",
    body: reactionBody,
    success: {
      status: 200,
      description: "The caller's reaction now, and the counts",
      schema: reactionToggleSchema,
    },
    errors: [404],
  },
  "GET /reactions/{commentId}": {
    operationId: "listReactions",
    summary: "Who reacted to a comment, with which kind",
    paginated: true,
    success: { status: 200, description: "One page of reactions", schema: reactionPageSchema },
    errors: [404],
  },
  "GET /members": {
    operationId: "listMembers",
    summary: "The member directory, by name, or the members a mention picker offers",
    description:
      "Every member who has signed in at least once, sorted by display name (case-insensitive); private profiles show name and photo only. With `prefix`: the members with a word of their name starting with it (case- and accent-insensitive: `ma` finds Mårten Ek and Ada Marsh; `ada l` finds Ada Lovelace), in the order of the matching words, each member once; one Query per page, so a page may hold fewer than `limit` members while `nextCursor` goes on. A name change shows within seconds.",
    paginated: true,
    textQuery: {
      prefix: {
        description:
          "The beginning of any word of the name (1–100 characters with a letter or digit; case, accents and punctuation ignored; a trailing space asks for whole words)",
        maxLength: MAX_NAME_PREFIX,
      },
    },
    success: { status: 200, description: "One page of members", schema: memberPageSchema },
  },
  "GET /messages/conversations": {
    operationId: "listConversations",
    summary: "The caller's conversations, most recent first, with unread counts",
    paginated: true,
    success: { status: 200, description: "One page of conversations", schema: conversationPageSchema },
  },
  "POST /messages/conversations": {
    operationId: "startConversation",
    summary: "Start a conversation with a first message",
    description:
      "Two participants (the caller included) make a direct conversation, whose id derives from both user ids; starting it again appends to it. More make a group. `mentions` (at most 10) must be participants who are current members, else 400 naming the position; a mentioned participant gets a `mention` notification instead of a `message` one.",
    body: newConversationBody,
    success: {
      status: 201,
      description: "The conversation and its first message",
      schema: startedConversationSchema,
    },
  },
  "GET /messages/conversations/{conversationId}": {
    operationId: "listMessages",
    summary: "A conversation's messages, newest first (participants only)",
    paginated: true,
    success: { status: 200, description: "One page of messages", schema: messagePageSchema },
  },
  "POST /messages/conversations/{conversationId}": {
    operationId: "sendMessage",
    summary: "Send a message (text and/or attachments) to a conversation",
    description:
      "Attachments must be files the sender uploaded through `POST /messages/upload`. `mentions` (at most 10 user ids) must be participants of this conversation who are current members, else 400 naming the position (`mentions[1] is not a member of this conversation`); a mentioned participant gets a `mention` notification instead of a `message` one.",
    body: newMessageBody,
    success: { status: 201, description: "The message", schema: messageViewSchema },
  },
  "PUT /messages/conversations/{conversationId}/read": {
    operationId: "markConversationRead",
    summary: "Reset the caller's unread count of a conversation",
    success: { status: 200, description: "The unread count is zero", schema: readReceiptSchema },
  },
  "POST /messages/upload": {
    operationId: "requestAttachmentUpload",
    summary: "A presigned S3 PUT URL for one attachment",
    description:
      "Valid for 15 minutes; PUT the file to `uploadUrl` with exactly the declared Content-Length and every header of `uploadHeaders`. An upload no message references within a day is deleted.",
    body: uploadBody,
    success: { status: 200, description: "Where to upload the file", schema: presignedUploadSchema },
  },
  "GET /messages/unread": {
    operationId: "getUnreadTotals",
    summary: "The caller's unread badge",
    success: { status: 200, description: "Unread conversations and messages", schema: unreadTotalsSchema },
  },
  "DELETE /messages/conversations/{conversationId}/{messageId}": {
    operationId: "deleteMessage",
    summary: "Delete the caller's own message",
    description:
      "The message stays in the list as deleted, without text or attachments; its files are removed and previews stop showing it. Only its sender may delete it.",
    success: { status: 200, description: "The message as it is now", schema: messageViewSchema },
    errors: [404],
  },
  "POST /messages/conversations/{conversationId}/leave": {
    operationId: "leaveConversation",
    summary: "Leave a group, or hide a direct conversation",
    description:
      "A group is left for good (the others keep it). A direct conversation is hidden for the caller until a new message arrives.",
    success: { status: 200, description: "What happened", schema: leftConversationSchema },
  },
  "POST /profile/photo": {
    operationId: "requestProfilePhotoUpload",
    summary: "A presigned S3 PUT URL for the caller's profile photo",
    description:
      "JPEG, PNG, WebP or HEIC, at most 5 MB. Valid for 15 minutes; then PUT /profile with the returned `photoKey`.",
    body: photoUploadBody,
    success: { status: 200, description: "Where to upload the photo", schema: photoUploadSchema },
  },
  "GET /admin/members": {
    operationId: "adminListMembers",
    summary: "People who signed up, waiting for approval or approved (admins only)",
    description:
      "By display name (case-insensitive). `pending`: signed in but not in ApprovedUsers or Admins; `approved`: members (admins included); `revoked`: people whose membership an admin ended.",
    paginated: true,
    query: {
      status: { description: "Which people to list", values: ADMIN_MEMBER_STATUSES, default: "pending" },
    },
    success: { status: 200, description: "One page of people", schema: adminMemberPageSchema },
  },
  "POST /admin/members/{userId}/approve": {
    operationId: "adminApproveMember",
    summary: "Let a person in (admins only)",
    description:
      "Adds them to ApprovedUsers (their next token refresh or sign-in carries it), records who approved them and when, and sends them a welcome email. Approving someone already approved changes nothing and sends no second email. A revoked person is let back in the same way (they sign in again: tokens from before the revocation stay refused).",
    success: { status: 200, description: "The person as they are now", schema: adminMemberViewSchema },
    errors: [404],
  },
  "POST /admin/members/{userId}/revoke": {
    operationId: "adminRevokeMember",
    summary: "End a person's membership (admins only)",
    description:
      "Takes them out of ApprovedUsers, signs them out everywhere (their refresh tokens stop working), marks their profile `revoked` (out of `GET /members`, listed by `GET /admin/members?status=revoked`), refuses their unexpired tokens within 60 seconds (403 `MEMBERSHIP_REVOKED`) and closes their open WebSocket connections. Revoking someone already revoked changes nothing. 403 for oneself, and `TARGET_IS_ADMIN` for an admin; 404 when the person has no profile. `POST /admin/members/{userId}/approve` lets them back in.",
    success: {
      status: 200,
      description: "The person's membership is revoked",
      schema: membershipRevokedSchema,
    },
    errors: [404],
  },
  "POST /me/exports": {
    operationId: "requestDataExport",
    summary: "Export everything Hearth holds about the caller, as one JSON document",
    description:
      "Starts an export job; follow it with `GET /me/exports/{jobId}`. While one is PENDING or IN_PROGRESS, asking again returns that job (200). The member is emailed when it is ready.",
    success: { status: 202, description: "The export job was started", schema: jobAcceptedSchema },
    alsoSuccess: { status: 200, description: "An export job is already running: that job" },
  },
  "GET /me/exports/{jobId}": {
    operationId: "getDataExport",
    summary: "One of the caller's export jobs",
    description:
      "When COMPLETED, `result.downloadUrl` is a presigned GET of `hearth-export.json`, valid 24 hours from this response; the export itself is removed 7 days after it was made (`result.expiresAt`).",
    success: { status: 200, description: "The job", schema: jobViewSchema },
    errors: [404],
  },
  "POST /me/deletion": {
    operationId: "requestAccountDeletion",
    summary: "Delete the caller's account and everything they wrote",
    description:
      'The body must be `{"confirm": "DELETE MY ACCOUNT"}` (anything else is 400 and starts nothing). While a deletion is PENDING or IN_PROGRESS, asking again returns that job (200).',
    body: deletionRequestBody,
    success: { status: 202, description: "The deletion job was started", schema: jobAcceptedSchema },
    alsoSuccess: { status: 200, description: "A deletion job is already running: that job" },
  },
  "GET /me/deletion/{jobId}": {
    operationId: "getAccountDeletion",
    summary: "One of the caller's deletion jobs",
    success: { status: 200, description: "The job", schema: jobViewSchema },
    errors: [404],
  },
  "DELETE /admin/members/{userId}": {
    operationId: "adminDeleteMember",
    summary: "Delete a member's account (admins only)",
    description:
      "Starts the same deletion a member can ask for, recorded as requested by the admin; an admin cannot delete themself this way (403, use `POST /me/deletion`), nor another admin (403 `TARGET_IS_ADMIN`: they leave the Admins group first). 404 when the person has no profile.",
    success: { status: 202, description: "The deletion job was started", schema: jobViewSchema },
    alsoSuccess: { status: 200, description: "A deletion job is already running: that job" },
    errors: [404],
  },
  "GET /admin/members/{userId}/deletion/{jobId}": {
    operationId: "adminGetMemberDeletion",
    summary: "A member's deletion job (admins only)",
    success: { status: 200, description: "The job", schema: jobViewSchema },
    errors: [404],
  },
  "GET /notifications": {
    operationId: "listNotifications",
    summary: "The caller's notification feed, newest first, with the unread count",
    description:
      "One entry per comment on an item the caller commented on before, reaction to the caller's comment and message to them, whatever their email preferences. Entries are kept 90 days; `unreadCount` is exact.",
    paginated: true,
    success: { status: 200, description: "One page of notifications", schema: notificationPageSchema },
  },
  "PUT /notifications/read": {
    operationId: "markNotificationsRead",
    summary: "Mark notifications read",
    description:
      '`{"upTo": notificationId}` marks that notification and every older one read; `{"all": true}` marks all. An `upTo` that is not one of the caller\'s notifications is a 404 and changes nothing.',
    body: markReadBody,
    success: { status: 200, description: "The unread count afterwards", schema: notificationsReadSchema },
    errors: [404],
  },
  "GET /unsubscribe": {
    operationId: "showUnsubscribe",
    summary: "The page an email's unsubscribe link opens (public, no token needed)",
    description:
      "Shows which kind of email the link turns off and a button that POSTs to the same URL. Changes nothing by itself (mail scanners follow links). A changed or expired link is a 400.",
    requiredQuery: {
      token: { description: "The signed token of the email's `List-Unsubscribe` link" },
    },
    success: {
      status: 200,
      description: "An HTML page with the unsubscribe button",
      schema: unsubscribePageSchema,
      mediaType: "text/html",
    },
  },
  "POST /unsubscribe": {
    operationId: "unsubscribe",
    summary: "Turn one kind of notification email off (public: the link's signed token says whose and which)",
    description:
      "RFC 8058 one-click unsubscribe: mail clients POST `List-Unsubscribe=One-Click` (form-encoded); an empty body works too. Sets that notification preference to false; asking again, or for a deleted account, changes nothing and answers the same. A changed, expired or foreign token is a 400 and changes nothing.",
    requiredQuery: {
      token: { description: "The signed token of the email's `List-Unsubscribe` link" },
    },
    success: { status: 200, description: "The preference that is now off", schema: unsubscribedSchema },
  },
} satisfies Record<AnyRouteKey, RouteContract>;

export type RouteContracts = typeof ROUTE_CONTRACTS;

/** The JSON a route answers on success, for the compiler to hold its handler to. */
export type SuccessBody<K extends string> = K extends keyof RouteContracts
  ? z.output<RouteContracts[K]["success"]["schema"]>
  : never;

/** The success statuses a route answers, for the compiler to hold its handler to. */
export type SuccessStatusOf<K extends string> = K extends keyof RouteContracts
  ?
      | RouteContracts[K]["success"]["status"]
      | (RouteContracts[K] extends { alsoSuccess: { status: infer S } } ? S : never)
  : never;

/**
 * All error statuses a route can answer, in ascending order. A public route takes no token
 * (no 401) and no Idempotency-Key (no 422).
 */
export function errorStatusesOf(
  method: string,
  contract: RouteContract,
  access: "member" | "admin" | "public" = "member",
): ErrorStatus[] {
  const statuses = new Set<ErrorStatus>([...COMMON_ERROR_STATUSES, ...(contract.errors ?? [])]);
  if (method !== "GET") for (const status of [409, 413] as const) statuses.add(status);
  if (contract.body) statuses.add(415);
  if (method === "POST" && access !== "public") statuses.add(422);
  if (access === "public") statuses.delete(401);
  return [...statuses].sort((a, b) => a - b);
}
