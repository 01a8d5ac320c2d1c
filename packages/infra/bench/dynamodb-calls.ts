import { randomBytes, randomUUID } from "node:crypto";
import {
  type AllAreaOverrides,
  API_FUNCTION_TIMEOUT_SECONDS,
  type ApiArea,
  type ApiHandler,
  buildApiHandlers,
  createApiIdempotency,
  findRoute,
  ROUTES,
} from "@hearth/api-handlers";
import {
  CursorCodec,
  createDocumentClient,
  createRepositories,
  createTables,
  deleteTables,
  RATE_LIMIT_KINDS,
  type RateLimits,
  RevocationList,
  tableEnvironment,
  UnsubscribeTokens,
} from "@hearth/domain";
import { localClient, type RunningDynamo, startDynamoDbLocal } from "@hearth/domain/testing";
import type { APIGatewayProxyEvent, Context } from "aws-lambda";
import { failOverBudget, formatTable, machineInfo, writeResult } from "./results.js";

/**
 * `pnpm bench:dynamodb-calls`: runs every route's handler in-process against DynamoDB Local
 * (its own, or `DYNAMODB_ENDPOINT`'s) and counts the DynamoDB commands each request sends,
 * with a middleware on the document client the repositories use. Retries are counted too:
 * every `send` is one call, as it is on the bill.
 */

/**
 * The design's budgets of sequential DynamoDB round trips per request: a read (GET) at most
 * 2, a write at most 2, or 3 when it carries an `Idempotency-Key`. No request sends a Scan.
 */
const READ_BUDGET = 2;
const WRITE_BUDGET = 2;
const KEYED_WRITE_BUDGET = 3;

function roundTripBudget(request: {
  method: string;
  options?: { headers?: Record<string, string> };
}): number {
  if (request.method === "GET") return READ_BUDGET;
  return request.options?.headers?.["Idempotency-Key"] === undefined ? WRITE_BUDGET : KEYED_WRITE_BUDGET;
}

interface BenchUser {
  userId: string;
  email: string;
  name: string;
  groups: string[];
}
const user = (id: string, groups = ["ApprovedUsers"]): BenchUser => ({
  userId: `user-${id}`,
  email: `${id}@example.org`,
  name: id[0]!.toUpperCase() + id.slice(1),
  groups,
});
const alice = user("alice");
const bob = user("bob");
const carol = user("carol");
const dave = user("dave");
const admin = user("admin", ["Admins"]);
/** Spends her one comment of the day on the bench's tight comments limit, then is refused. */
const erin = user("erin");

interface RequestOptions {
  caller?: BenchUser;
  path?: Record<string, string>;
  query?: Record<string, string>;
  body?: unknown;
  headers?: Record<string, string>;
}

/** A REST (v1) proxy event as API Gateway builds it after the Cognito authorizer. */
function apiEvent(method: string, resource: string, options: RequestOptions): APIGatewayProxyEvent {
  const caller = options.caller ?? alice;
  const encoded = Object.fromEntries(
    Object.entries(options.path ?? {}).map(([name, value]) => [name, encodeURIComponent(value)]),
  );
  const path = resource.replace(/\{(\w+)\}/g, (_, name: string) => encoded[name] ?? "");
  const claims = {
    sub: caller.userId,
    email: caller.email,
    name: caller.name,
    "cognito:groups": caller.groups.join(","),
    token_use: "id",
    exp: String(Math.floor(Date.now() / 1000) + 3600),
  };
  return {
    resource,
    path,
    httpMethod: method,
    headers: { Origin: "https://hearth.example.org", "Content-Type": "application/json", ...options.headers },
    multiValueHeaders: {},
    queryStringParameters: options.query ?? null,
    multiValueQueryStringParameters: null,
    pathParameters: Object.keys(encoded).length ? encoded : null,
    stageVariables: null,
    body: options.body === undefined ? null : JSON.stringify(options.body),
    isBase64Encoded: false,
    requestContext: {
      authorizer: { claims },
      requestId: randomUUID(),
      httpMethod: method,
      resourcePath: resource,
      path,
    } as unknown as APIGatewayProxyEvent["requestContext"],
  };
}

// Idempotent POSTs read the function's remaining time (an unfinished first attempt stops
// blocking retries when it is up).
const lambdaContext = {
  awsRequestId: "bench",
  functionName: "hearth-bench",
  getRemainingTimeInMillis: () => API_FUNCTION_TIMEOUT_SECONDS * 1000,
} as Context;

// --- DynamoDB and the handlers, with a counter on the document client ------------------

// An already running DynamoDB (DYNAMODB_ENDPOINT) is used as it is; otherwise one of our own.
const started: RunningDynamo | undefined = process.env.DYNAMODB_ENDPOINT
  ? undefined
  : await startDynamoDbLocal();
const endpoint = process.env.DYNAMODB_ENDPOINT || started!.endpoint;
const client = localClient(endpoint);
const prefix = `bench-${randomBytes(3).toString("hex")}-`;

/**
 * Every DynamoDB operation sent while `recording` is on, by name (`GetItem`, `Query`, …),
 * with the sequential round trip it belongs to: a round trip is a stretch of time in which
 * at least one call is in flight, so calls sent in parallel share one, and a call sent
 * after every earlier one has answered starts the next.
 */
interface RecordedCall {
  operation: string;
  roundTrip: number;
}
let recorded: RecordedCall[] | undefined;
let inFlight = 0;
let roundTrips = 0;
const doc = createDocumentClient({ stage: "bench", endpoint });
// Powertools idempotency sends through a plain client of its own: counted the same way.
const idempotencyClient = localClient(endpoint);
for (const counted of [doc, idempotencyClient]) {
  counted.middlewareStack.add(
    (next, context) => async (args) => {
      if (!recorded) return next(args);
      if (inFlight === 0) roundTrips++;
      inFlight++;
      recorded.push({
        operation: String(context.commandName).replace(/Command$/, ""),
        roundTrip: roundTrips,
      });
      try {
        return await next(args);
      } finally {
        inFlight--;
      }
    },
    // `initialize` runs once per send, before the retry middleware: one entry per call made,
    // in flight until its last retry has answered.
    { step: "initialize", name: "countDynamoDbCalls" },
  );
}

try {
  const tables = await createTables(client, prefix);
  // Each area's own builder, with the repositories swapped for ones on the counted client.
  // Approvals add to ApprovedUsers through this; Cognito is not DynamoDB, so it is not counted.
  const approvedUsernames: string[] = [];
  const env = {
    ...tableEnvironment(tables),
    STAGE: "bench",
    DYNAMODB_ENDPOINT: endpoint,
    // Presigning is offline: this S3 endpoint is never called.
    S3_ENDPOINT: "http://127.0.0.1:9",
    AWS_REGION: "eu-west-1",
    CURSOR_SECRET: randomBytes(16).toString("hex"),
    ALLOWED_ORIGINS: "https://hearth.example.org",
    ATTACHMENTS_BUCKET: "hearth-bench-attachments",
    // The admin area builds its Cognito client at start-up; the groups below replace it.
    USER_POOL_ID: "eu-west-1_bench",
    COGNITO_ENDPOINT: "http://127.0.0.1:9",
    LOG_LEVEL: "SILENT",
  };
  const repositories = createRepositories({
    doc,
    tables,
    cursors: new CursorCodec(randomBytes(16).toString("hex")),
  });
  // The set-up writes far faster than a member may; each request is still counted.
  const generousLimits = Object.fromEntries(
    RATE_LIMIT_KINDS.map((kind) => [kind, { limit: 100_000, windowSeconds: 60 }]),
  ) as RateLimits;
  const overrides = {
    repositories,
    rateLimitCounters: repositories.rateLimits,
    idempotency: createApiIdempotency(idempotencyClient, tables),
    memberGroups: {
      addToMembers: async (username: string) => void approvedUsernames.push(username),
      removeFromMembers: async () => {},
      signOutEverywhere: async () => {},
      isAdmin: async () => false,
    },
    // On the counted client: what reading the revocation list costs is measured (once a minute
    // per container; read beside the request's first reads).
    revocations: new RevocationList(repositories.revocations),
    // The benchmark issues an unsubscribe link with these to send `/unsubscribe` a valid one.
    unsubscribeTokens: new UnsubscribeTokens(randomBytes(16).toString("hex")),
  } satisfies AllAreaOverrides;
  const handlersOf = (rateLimits: RateLimits): Record<ApiArea, ApiHandler> =>
    buildApiHandlers(env, { ...overrides, rateLimits });
  const handlers = handlersOf(generousLimits);
  // One comment a day, to measure what a refused (rate-limited) request costs.
  const tightlyLimited = handlersOf({ ...generousLimits, comments: { limit: 1, windowSeconds: 86_400 } });

  async function call(
    method: string,
    resource: string,
    options: RequestOptions = {},
    through = handlers,
    // biome-ignore lint/suspicious/noExplicitAny: response bodies are read by field name only
  ): Promise<any> {
    const route = findRoute(method, resource);
    if (!route) throw new Error(`No route ${method} ${resource}`);
    const result = await through[route.area](apiEvent(method, resource, options), lambdaContext);
    const json = String(result.headers?.["Content-Type"] ?? "").startsWith("application/json");
    return {
      status: result.statusCode,
      body: result.body ? (json ? JSON.parse(result.body) : result.body) : undefined,
    };
  }

  async function setUp(method: string, resource: string, options: RequestOptions = {}, through = handlers) {
    const response = await call(method, resource, options, through);
    if (response.status >= 300) {
      throw new Error(`Setting up with ${method} ${resource} failed: ${JSON.stringify(response.body)}`);
    }
    return response.body;
  }

  // --- Data a family archive would have: profiles, a busy item, reactions, conversations ---
  const itemId = "/2015/christmas";
  for (const member of [alice, bob, carol, admin]) {
    await setUp("PUT", "/profile", { caller: member, body: { displayName: member.name, bio: "Family" } });
  }
  const commentIds: string[] = [];
  for (let n = 0; n < 30; n++) {
    const author = [alice, bob, carol][n % 3]!;
    const comment = await setUp("POST", "/comments/{itemId}", {
      caller: author,
      path: { itemId },
      body: { commentText: `Comment ${n} on Christmas 2015`, itemTitle: "Christmas 2015" },
    });
    commentIds.push(comment.commentId);
  }
  const [liked, toEdit, toDelete, toModerate] = commentIds.filter((_, n) => n % 3 === 0) as [
    string,
    string,
    string,
    string,
  ];
  for (const member of [bob, carol, admin]) {
    await setUp("POST", "/reactions/{commentId}", { caller: member, path: { commentId: liked } });
  }
  const direct = await setUp("POST", "/messages/conversations", {
    body: { participantIds: [bob.userId], messageText: "Hello Bob" },
  });
  for (let n = 0; n < 25; n++) {
    await setUp("POST", "/messages/conversations/{conversationId}", {
      caller: n % 2 ? alice : bob,
      path: { conversationId: direct.conversationId },
      body: { messageText: `Message ${n}` },
    });
  }
  const group = await setUp("POST", "/messages/conversations", {
    body: { participantIds: [bob.userId, carol.userId], messageText: "Hello all", title: "Cousins" },
  });
  // Threads: a few of the item's comments have replies (some replies answer replies), and
  // Bob has reacted to some of them, so the item's page shows first replies with his kinds.
  const replyIds: string[] = [];
  for (const [n, topId] of commentIds.slice(0, 9).entries()) {
    let answered = topId;
    for (let r = 0; r < 1 + (n % 5); r++) {
      const reply = await setUp("POST", "/comments/{itemId}", {
        caller: [bob, carol, alice][r % 3]!,
        path: { itemId },
        body: { commentText: `Reply ${r} to comment ${n}`, replyTo: answered },
      });
      replyIds.push(reply.commentId);
      if (r % 2 === 1) answered = reply.commentId;
    }
  }
  for (const [n, replyId] of replyIds.entries()) {
    if (n % 3 === 0) {
      await setUp("POST", "/reactions/{commentId}", {
        caller: bob,
        path: { commentId: replyId },
        body: { kind: "love" },
      });
    }
  }
  const threadTop = commentIds[4]!;
  // A long thread of its own, paged by the replies route.
  for (let r = 0; r < 30; r++) {
    await setUp("POST", "/comments/{itemId}", {
      caller: [bob, carol][r % 2]!,
      path: { itemId },
      body: { commentText: `Long thread reply ${r}`, replyTo: threadTop },
    });
  }
  const repliesFirstPage = await setUp("GET", "/comments/{itemId}/{commentId}/replies", {
    path: { itemId, commentId: threadTop },
    query: { limit: "20" },
  });
  const answeredReply = repliesFirstPage.comments[1].commentId as string;
  const deletedComment = await setUp("POST", "/comments/{itemId}", {
    path: { itemId },
    body: { commentText: "Oops" },
  });
  await setUp("DELETE", "/comments/{itemId}/{commentId}", {
    path: { itemId, commentId: deletedComment.commentId },
  });
  const secondPage = await setUp("GET", "/comments/{itemId}", { path: { itemId }, query: { limit: "20" } });
  // Bob likes a few comments of the first page; a comment to like right after it is written.
  for (const commentId of commentIds.slice(1, 6)) {
    await setUp("POST", "/reactions/{commentId}", { caller: bob, path: { commentId } });
  }
  await setUp("PUT", "/profile", { caller: carol, body: { isProfilePrivate: true } });
  const membersPage = await setUp("GET", "/members", { query: { limit: "2" } });
  // The mention picker's name index, as the directory processor writes it from the profiles.
  for (const member of [alice, bob, carol, admin]) {
    await repositories.memberNames.syncMember(member.userId, await repositories.profiles.get(member.userId));
  }
  // An item whose comments mention people, and a message that does.
  const mentioningItem = "/1962/letters";
  for (let n = 0; n < 20; n++) {
    await setUp("POST", "/comments/{itemId}", {
      caller: [alice, bob, carol][n % 3],
      path: { itemId: mentioningItem },
      body: { commentText: `Bob, Carol: letter ${n}`, mentions: [bob.userId, carol.userId, admin.userId] },
    });
  }
  await setUp("POST", "/messages/conversations/{conversationId}", {
    path: { conversationId: group.conversationId },
    body: { messageText: "Bob, Carol?", mentions: [bob.userId, carol.userId] },
  });
  const fresh = await setUp("POST", "/comments/{itemId}", {
    path: { itemId },
    body: { commentText: "Just now", itemTitle: "Christmas 2015" },
  });
  // A message to delete, a group to leave, a photo to set.
  const toDeleteMessage = await setUp("POST", "/messages/conversations/{conversationId}", {
    path: { conversationId: group.conversationId },
    body: { messageText: "Sent by mistake" },
  });
  const groupToLeave = await setUp("POST", "/messages/conversations", {
    body: { participantIds: [bob.userId, carol.userId], messageText: "Leaving soon", title: "Planning" },
  });
  const photo = await setUp("POST", "/profile/photo", {
    caller: bob,
    body: { contentType: "image/jpeg", size: 1000 },
  });
  await setUp("PUT", "/profile", { caller: erin, body: { displayName: erin.name } });
  const erinsComment = {
    caller: erin,
    path: { itemId },
    body: { commentText: "My one comment today", itemTitle: "Christmas 2015" },
  };
  await setUp("POST", "/comments/{itemId}", erinsComment, tightlyLimited);
  // People who signed in and wait for approval.
  for (const name of ["frank", "gina", "hal"]) {
    await repositories.profiles.ensureOnSignIn(`user-${name}`, {
      displayName: name,
      email: `${name}@example.org`,
      isMember: false,
    });
  }

  // A finished export of carol's (its GET signs the download), a deletion she asked for.
  const carolExport = await setUp("POST", "/me/exports", { caller: carol });
  await repositories.jobs.start({ userId: carol.userId, jobId: carolExport.jobId });
  await repositories.jobs.complete(
    { userId: carol.userId, jobId: carolExport.jobId, kind: "export" },
    {
      objectKey: `exports/${carol.userId}/${carolExport.jobId}/hearth-export.json`,
      exportedAt: new Date().toISOString(),
      expiresAt: new Date(Date.now() + 7 * 86_400_000).toISOString(),
      counts: { comments: 10 },
    },
  );
  const carolDeletion = await setUp("POST", "/me/deletion", {
    caller: carol,
    body: { confirm: "DELETE MY ACCOUNT" },
  });
  // Alice's notification feed, 30 entries (what the stream processor writes).
  for (let n = 0; n < 30; n++) {
    await repositories.notifications.addForRecipients([alice.userId], {
      sourceEventId: `bench-event-${n}`,
      kind: "comment",
      actor: { userId: bob.userId, displayName: bob.name },
      itemId,
      itemTitle: "Christmas 2015",
      commentId: commentIds[n] ?? null,
      text: `Comment ${n} on Christmas 2015`,
      createdAt: new Date(Date.UTC(2026, 11, 1, 10, n)).toISOString(),
    });
  }
  const feedPage = await setUp("GET", "/notifications", { query: { limit: "20" } });
  // The signed link of a notification email (what the notifications processor puts in it).
  const unsubscribeToken = overrides.unsubscribeTokens.issue(alice.userId, "reaction", new Date());
  const tenthNewest: string = feedPage.notifications[9].notificationId;

  // --- What is measured: one request per case, in this order ------------------------------
  interface Case {
    method: string;
    resource: string;
    name: string;
    /** The status expected; `success` for any 2xx (a keyed repeat may find the work done). */
    status: number | "success";
    options?: RequestOptions;
    /** Measured with the comments limit Erin has used up. */
    tightlyLimited?: true;
    /** Measured on a container whose revocation list is not read yet (the first request of its minute). */
    coldRevocationList?: true;
  }
  // Sent twice: the first runs and stores its answer, the retry only reads it back.
  const keyedComment: RequestOptions = {
    path: { itemId },
    body: { commentText: "Sent with a key" },
    headers: { "Idempotency-Key": "bench-1" },
  };
  const keyedReply: RequestOptions = {
    path: { itemId },
    body: { commentText: "A reply sent with a key", replyTo: threadTop },
    headers: { "Idempotency-Key": "bench-reply-1" },
  };
  const cases: Case[] = [
    {
      method: "GET",
      resource: "/profile/{userId}",
      name: "another member's",
      status: 200,
      options: { caller: bob, path: { userId: alice.userId } },
    },
    {
      method: "GET",
      resource: "/profile/{userId}",
      name: "no such profile",
      status: 404,
      options: { path: { userId: "user-nobody" } },
    },
    {
      method: "PUT",
      resource: "/profile",
      name: "update",
      status: 200,
      options: { body: { bio: "Keeper of the archive" } },
    },
    {
      method: "PUT",
      resource: "/profile",
      name: "one notification kind off",
      status: 200,
      options: { body: { notificationPreferences: { mentions: false } } },
    },
    {
      method: "PUT",
      resource: "/profile",
      name: "first save",
      status: 200,
      options: { caller: dave, body: { displayName: "Dave" } },
    },
    {
      method: "GET",
      resource: "/profile/{userId}/comments",
      name: "page of 20",
      status: 200,
      options: { caller: bob, path: { userId: alice.userId }, query: { limit: "20" } },
    },
    {
      method: "GET",
      resource: "/comments/{itemId}",
      name: "page of 20",
      status: 200,
      options: { path: { itemId }, query: { limit: "20" } },
    },
    {
      method: "GET",
      resource: "/comments/{itemId}",
      name: "next page (cursor)",
      status: 200,
      options: { path: { itemId }, query: { limit: "20", cursor: secondPage.nextCursor } },
    },
    {
      method: "POST",
      resource: "/comments/{itemId}",
      name: "new comment",
      status: 201,
      options: { path: { itemId }, body: { commentText: "What a day", itemTitle: "Christmas 2015" } },
    },
    {
      method: "GET",
      resource: "/comments/{itemId}",
      name: "page of 20 with mentions",
      status: 200,
      options: { caller: bob, path: { itemId: mentioningItem }, query: { limit: "20" } },
    },
    {
      method: "GET",
      resource: "/comments/{itemId}",
      name: "page of 20 with threads, as a reactor to replies",
      status: 200,
      options: { caller: bob, path: { itemId }, query: { limit: "20" } },
    },
    {
      method: "POST",
      resource: "/comments/{itemId}",
      name: "with mentions",
      status: 201,
      options: {
        path: { itemId },
        body: { commentText: "Bob and Carol, look", mentions: [bob.userId, carol.userId] },
      },
    },
    {
      method: "POST",
      resource: "/comments/{itemId}",
      name: "mentioning a non-member (400)",
      status: 400,
      options: { path: { itemId }, body: { commentText: "Frank?", mentions: ["user-frank"] } },
    },
    {
      method: "POST",
      resource: "/comments/{itemId}",
      name: "new reply",
      status: 201,
      options: { caller: carol, path: { itemId }, body: { commentText: "Me too", replyTo: threadTop } },
    },
    {
      method: "POST",
      resource: "/comments/{itemId}",
      name: "reply to a reply",
      status: 201,
      options: { caller: carol, path: { itemId }, body: { commentText: "Yes!", replyTo: answeredReply } },
    },
    {
      method: "POST",
      resource: "/comments/{itemId}",
      name: "reply, Idempotency-Key, first",
      status: 201,
      options: keyedReply,
    },
    {
      method: "POST",
      resource: "/comments/{itemId}",
      name: "reply, Idempotency-Key, retry",
      status: 201,
      options: keyedReply,
    },
    {
      method: "POST",
      resource: "/comments/{itemId}",
      name: "reply to a deleted comment (400)",
      status: 400,
      options: { path: { itemId }, body: { commentText: "Too late", replyTo: deletedComment.commentId } },
    },
    {
      method: "GET",
      resource: "/comments/{itemId}/{commentId}/replies",
      name: "page of 20",
      status: 200,
      options: { caller: bob, path: { itemId, commentId: threadTop }, query: { limit: "20" } },
    },
    {
      method: "GET",
      resource: "/comments/{itemId}/{commentId}/replies",
      name: "next page (cursor)",
      status: 200,
      options: {
        path: { itemId, commentId: threadTop },
        query: { limit: "20", cursor: repliesFirstPage.nextCursor },
      },
    },
    {
      method: "POST",
      resource: "/comments/{itemId}",
      name: "over the rate limit (429)",
      status: 429,
      options: erinsComment,
      tightlyLimited: true,
    },
    {
      method: "POST",
      resource: "/comments/{itemId}",
      name: "Idempotency-Key, first",
      status: 201,
      options: keyedComment,
    },
    {
      method: "POST",
      resource: "/comments/{itemId}",
      name: "Idempotency-Key, retry",
      status: 201,
      options: keyedComment,
    },
    {
      method: "POST",
      resource: "/comments/{itemId}",
      name: "text/plain (415)",
      status: 415,
      options: {
        path: { itemId },
        body: { commentText: "Not JSON" },
        headers: { "Content-Type": "text/plain" },
      },
    },
    {
      method: "POST",
      resource: "/comments/{itemId}",
      name: "invalid body",
      status: 400,
      options: { path: { itemId }, body: { commentText: "" } },
    },
    {
      method: "PUT",
      resource: "/comments/{itemId}/{commentId}",
      name: "edit own",
      status: 200,
      options: { path: { itemId, commentId: toEdit }, body: { commentText: "Edited" } },
    },
    {
      method: "PUT",
      resource: "/comments/{itemId}/{commentId}",
      name: "edit own, If-Match current",
      status: 200,
      options: {
        path: { itemId, commentId: toEdit },
        body: { commentText: "Again" },
        headers: { "If-Match": "2" },
      },
    },
    {
      method: "PUT",
      resource: "/comments/{itemId}/{commentId}",
      name: "edit own, adding mentions",
      status: 200,
      options: {
        path: { itemId, commentId: toEdit },
        body: { commentText: "Bob, see this", mentions: [bob.userId] },
      },
    },
    {
      method: "PUT",
      resource: "/comments/{itemId}/{commentId}",
      name: "edit own, keeping mentions",
      status: 200,
      options: { path: { itemId, commentId: toEdit }, body: { commentText: "Bob, see this!" } },
    },
    {
      method: "PUT",
      resource: "/comments/{itemId}/{commentId}",
      name: "edit own, If-Match stale",
      status: 409,
      options: {
        path: { itemId, commentId: toEdit },
        body: { commentText: "Lost" },
        headers: { "If-Match": "2" },
      },
    },
    {
      method: "DELETE",
      resource: "/comments/{itemId}/{commentId}",
      name: "delete own",
      status: 200,
      options: { path: { itemId, commentId: toDelete } },
    },
    {
      method: "DELETE",
      resource: "/admin/comments/{commentId}",
      name: "moderate",
      status: 200,
      options: { caller: admin, path: { commentId: toModerate } },
    },
    {
      method: "POST",
      resource: "/reactions/{commentId}",
      name: "like",
      status: 200,
      options: { path: { commentId: liked } },
    },
    {
      method: "POST",
      resource: "/reactions/{commentId}",
      name: "unlike",
      status: 200,
      options: { path: { commentId: liked } },
    },
    {
      method: "POST",
      resource: "/reactions/{commentId}",
      name: "love (add a kind)",
      status: 200,
      options: { caller: dave, path: { commentId: liked }, body: { kind: "love" } },
    },
    {
      method: "POST",
      resource: "/reactions/{commentId}",
      name: "laugh (switch kinds)",
      status: 200,
      options: { caller: dave, path: { commentId: liked }, body: { kind: "laugh" } },
    },
    {
      method: "POST",
      resource: "/reactions/{commentId}",
      name: "laugh again (remove)",
      status: 200,
      options: { caller: dave, path: { commentId: liked }, body: { kind: "laugh" } },
    },
    {
      method: "POST",
      resource: "/reactions/{commentId}",
      name: "wow on a reply",
      status: 200,
      options: { caller: dave, path: { commentId: answeredReply }, body: { kind: "wow" } },
    },
    {
      method: "GET",
      resource: "/reactions/{commentId}",
      name: "who reacted",
      status: 200,
      options: { path: { commentId: liked } },
    },
    { method: "GET", resource: "/messages/conversations", name: "inbox", status: 200 },
    {
      method: "POST",
      resource: "/messages/conversations",
      name: "new direct",
      status: 201,
      options: { caller: carol, body: { participantIds: [dave.userId], messageText: "Hi Dave" } },
    },
    {
      method: "POST",
      resource: "/messages/conversations",
      name: "existing direct",
      status: 201,
      options: { body: { participantIds: [bob.userId], messageText: "Again" } },
    },
    {
      method: "POST",
      resource: "/messages/conversations",
      name: "group of 4",
      status: 201,
      options: {
        body: { participantIds: [bob.userId, carol.userId, dave.userId], messageText: "All of us" },
      },
    },
    {
      method: "POST",
      resource: "/messages/conversations",
      name: "a participant pending approval",
      status: 400,
      options: { body: { participantIds: [bob.userId, "user-frank"], messageText: "Hi Frank" } },
    },
    {
      method: "GET",
      resource: "/messages/conversations/{conversationId}",
      name: "page of 20",
      status: 200,
      options: { path: { conversationId: direct.conversationId }, query: { limit: "20" } },
    },
    {
      method: "GET",
      resource: "/messages/conversations/{conversationId}",
      name: "page with mentions",
      status: 200,
      options: { path: { conversationId: group.conversationId }, query: { limit: "20" } },
    },
    {
      method: "GET",
      resource: "/messages/conversations/{conversationId}",
      name: "outsider",
      status: 403,
      options: { caller: carol, path: { conversationId: direct.conversationId } },
    },
    {
      method: "POST",
      resource: "/messages/conversations/{conversationId}",
      name: "direct",
      status: 201,
      options: { path: { conversationId: direct.conversationId }, body: { messageText: "Ping" } },
    },
    {
      method: "POST",
      resource: "/messages/conversations/{conversationId}",
      name: "group of 3",
      status: 201,
      options: { path: { conversationId: group.conversationId }, body: { messageText: "Ping all" } },
    },
    {
      method: "POST",
      resource: "/messages/conversations/{conversationId}",
      name: "group, with mentions",
      status: 201,
      options: {
        path: { conversationId: group.conversationId },
        body: { messageText: "Bob, Carol: ping", mentions: [bob.userId, carol.userId] },
      },
    },
    {
      method: "POST",
      resource: "/messages/conversations/{conversationId}",
      name: "mentioning a non-participant (400)",
      status: 400,
      options: {
        path: { conversationId: direct.conversationId },
        body: { messageText: "Carol?", mentions: [carol.userId] },
      },
    },
    {
      method: "PUT",
      resource: "/messages/conversations/{conversationId}/read",
      name: "mark read",
      status: 200,
      options: { caller: bob, path: { conversationId: direct.conversationId } },
    },
    {
      method: "POST",
      resource: "/messages/upload",
      name: "presign",
      status: 200,
      options: { body: { filename: "tree.pdf", contentType: "application/pdf", size: 1000 } },
    },
    // --- Screens a frontend builds ---
    {
      method: "POST",
      resource: "/reactions/{commentId}",
      name: "like a comment just created",
      status: 200,
      options: { caller: bob, path: { commentId: fresh.commentId } },
    },
    {
      method: "POST",
      resource: "/reactions/{commentId}",
      name: "missing comment",
      status: 404,
      options: { path: { commentId: "01JZZZZZZZZZZZZZZZZZZZZZZZ" } },
    },
    {
      method: "GET",
      resource: "/reactions/{commentId}",
      name: "missing comment",
      status: 404,
      options: { path: { commentId: "01JZZZZZZZZZZZZZZZZZZZZZZZ" } },
    },
    {
      method: "GET",
      resource: "/comments/{itemId}",
      name: "page of 20, caller liked some",
      status: 200,
      options: { caller: bob, path: { itemId }, query: { limit: "20" } },
    },
    {
      method: "GET",
      resource: "/profile/{userId}/comments",
      name: "private profile (403)",
      status: 403,
      options: { caller: bob, path: { userId: carol.userId } },
    },
    {
      method: "GET",
      resource: "/members",
      name: "page of 20",
      status: 200,
      options: { query: { limit: "20" } },
    },
    {
      method: "GET",
      resource: "/members",
      name: "next page (cursor)",
      status: 200,
      options: { query: { limit: "2", cursor: membersPage.nextCursor } },
    },
    {
      method: "GET",
      resource: "/members",
      name: "prefix page (mention picker)",
      status: 200,
      options: { query: { prefix: "Ca", limit: "20" } },
    },
    {
      method: "GET",
      resource: "/members",
      name: "bad limit",
      status: 400,
      options: { query: { limit: "0" } },
    },
    // Unread badge, message management, profile photos.
    { method: "GET", resource: "/messages/unread", name: "badge", status: 200, options: { caller: bob } },
    {
      method: "DELETE",
      resource: "/messages/conversations/{conversationId}/{messageId}",
      name: "delete own, group of 3",
      status: 200,
      options: { path: { conversationId: group.conversationId, messageId: toDeleteMessage.messageId } },
    },
    {
      method: "DELETE",
      resource: "/messages/conversations/{conversationId}/{messageId}",
      name: "someone else's",
      status: 403,
      options: {
        caller: bob,
        path: { conversationId: group.conversationId, messageId: toDeleteMessage.messageId },
      },
    },
    {
      method: "DELETE",
      resource: "/messages/conversations/{conversationId}/{messageId}",
      name: "outsider",
      status: 403,
      options: {
        caller: dave,
        path: { conversationId: group.conversationId, messageId: toDeleteMessage.messageId },
      },
    },
    {
      method: "POST",
      resource: "/messages/conversations/{conversationId}/leave",
      name: "leave group of 3",
      status: 200,
      options: { caller: carol, path: { conversationId: groupToLeave.conversationId } },
    },
    {
      method: "POST",
      resource: "/messages/conversations/{conversationId}/leave",
      name: "hide direct",
      status: 200,
      options: { caller: bob, path: { conversationId: direct.conversationId } },
    },
    {
      method: "POST",
      resource: "/messages/conversations/{conversationId}/leave",
      name: "outsider",
      status: 403,
      options: { caller: dave, path: { conversationId: direct.conversationId } },
    },
    {
      method: "POST",
      resource: "/profile/photo",
      name: "presign",
      status: 200,
      options: { body: { contentType: "image/png", size: 2000 } },
    },
    {
      method: "PUT",
      resource: "/profile",
      name: "uploaded photo",
      status: 200,
      options: { caller: bob, body: { profilePhotoKey: photo.photoKey } },
    },
    {
      method: "GET",
      resource: "/messages/conversations",
      name: "inbox with photos",
      status: 200,
      options: { caller: carol },
    },
    // Admins let people in.
    {
      method: "GET",
      resource: "/admin/members",
      name: "pending, page of 20",
      status: 200,
      options: { caller: admin, query: { limit: "20" } },
    },
    {
      method: "GET",
      resource: "/admin/members",
      name: "approved, page of 20",
      status: 200,
      options: { caller: admin, query: { status: "approved", limit: "20" } },
    },
    {
      method: "GET",
      resource: "/admin/members",
      name: "bad status",
      status: 400,
      options: { caller: admin, query: { status: "everyone" } },
    },
    {
      method: "GET",
      resource: "/admin/members",
      name: "a member (403)",
      status: 403,
      options: { caller: bob },
    },
    {
      method: "POST",
      resource: "/admin/members/{userId}/approve",
      name: "pending person",
      status: 200,
      options: { caller: admin, path: { userId: "user-frank" } },
    },
    {
      method: "POST",
      resource: "/admin/members/{userId}/approve",
      name: "already approved",
      status: 200,
      options: { caller: admin, path: { userId: "user-frank" } },
    },
    {
      method: "POST",
      resource: "/admin/members/{userId}/approve",
      name: "no such profile",
      status: 404,
      options: { caller: admin, path: { userId: "user-nobody" } },
    },
    // Revoking a member: the profile read, then the mark and the revocation in one transaction
    // (the Cognito calls between them are not DynamoDB).
    {
      method: "POST",
      resource: "/admin/members/{userId}/revoke",
      name: "a person",
      status: 200,
      options: { caller: admin, path: { userId: "user-hal" } },
    },
    {
      method: "POST",
      resource: "/admin/members/{userId}/revoke",
      name: "already revoked",
      status: 200,
      options: { caller: admin, path: { userId: "user-hal" } },
    },
    {
      method: "POST",
      resource: "/admin/members/{userId}/revoke",
      name: "no such profile",
      status: 404,
      options: { caller: admin, path: { userId: "user-nobody" } },
    },
    {
      method: "POST",
      resource: "/admin/members/{userId}/revoke",
      name: "oneself (403)",
      status: 403,
      options: { caller: admin, path: { userId: admin.userId } },
    },
    // What the revocation list costs the first request of a container's minute: one Query,
    // beside the route's first reads (every other request in that minute pays nothing).
    {
      method: "GET",
      resource: "/profile/{userId}",
      name: "another member's, revocation list read",
      status: 200,
      options: { caller: alice, path: { userId: bob.userId } },
      coldRevocationList: true,
    },
    {
      method: "PUT",
      resource: "/profile",
      name: "bio, revocation list read",
      status: 200,
      options: { caller: alice, body: { bio: "Family, still" } },
      coldRevocationList: true,
    },
    // Export and deletion jobs.
    { method: "POST", resource: "/me/exports", name: "start (202)", status: 202, options: { caller: bob } },
    {
      method: "POST",
      resource: "/me/exports",
      name: "one running (200)",
      status: 200,
      options: { caller: bob },
    },
    {
      // Nothing running: the read of the running job, then the job's creation, behind the key's record.
      method: "POST",
      resource: "/me/exports",
      name: "start (202), Idempotency-Key",
      status: 202,
      options: { caller: dave, headers: { "Idempotency-Key": "bench-first-export" } },
    },
    {
      method: "GET",
      resource: "/me/exports/{jobId}",
      name: "completed, link signed",
      status: 200,
      options: { caller: carol, path: { jobId: carolExport.jobId } },
    },
    {
      method: "GET",
      resource: "/me/exports/{jobId}",
      name: "someone else's (404)",
      status: 404,
      options: { caller: bob, path: { jobId: carolExport.jobId } },
    },
    {
      method: "POST",
      resource: "/me/deletion",
      name: "wrong confirmation",
      status: 400,
      options: { caller: alice, body: { confirm: "yes" } },
    },
    {
      method: "POST",
      resource: "/me/deletion",
      name: "start (202)",
      status: 202,
      options: { caller: alice, body: { confirm: "DELETE MY ACCOUNT" } },
    },
    {
      method: "POST",
      resource: "/me/deletion",
      name: "start (202), Idempotency-Key",
      status: 202,
      options: {
        caller: dave,
        body: { confirm: "DELETE MY ACCOUNT" },
        headers: { "Idempotency-Key": "bench-first-deletion" },
      },
    },
    {
      method: "GET",
      resource: "/me/deletion/{jobId}",
      name: "pending",
      status: 200,
      options: { caller: carol, path: { jobId: carolDeletion.jobId } },
    },
    {
      method: "DELETE",
      resource: "/admin/members/{userId}",
      name: "start (202)",
      status: 202,
      options: { caller: admin, path: { userId: bob.userId } },
    },
    {
      method: "DELETE",
      resource: "/admin/members/{userId}",
      name: "one running (200)",
      status: 200,
      options: { caller: admin, path: { userId: carol.userId } },
    },
    {
      method: "DELETE",
      resource: "/admin/members/{userId}",
      name: "no profile (404)",
      status: 404,
      options: { caller: admin, path: { userId: "user-nobody" } },
    },
    {
      method: "GET",
      resource: "/admin/members/{userId}/deletion/{jobId}",
      name: "follow",
      status: 200,
      options: { caller: admin, path: { userId: carol.userId, jobId: carolDeletion.jobId } },
    },
    // The notification feed.
    {
      method: "GET",
      resource: "/notifications",
      name: "page of 20 + unread count",
      status: 200,
      options: { query: { limit: "20" } },
    },
    {
      method: "GET",
      resource: "/notifications",
      name: "second page",
      status: 200,
      options: { query: { limit: "20", cursor: feedPage.nextCursor } },
    },
    {
      method: "PUT",
      resource: "/notifications/read",
      name: "upTo (21 unread)",
      status: 200,
      options: { body: { upTo: tenthNewest } },
    },
    {
      method: "PUT",
      resource: "/notifications/read",
      name: "all (9 unread)",
      status: 200,
      options: { body: { all: true } },
    },
    {
      method: "PUT",
      resource: "/notifications/read",
      name: "unknown id (404)",
      status: 404,
      options: { body: { upTo: "2026-12-01T09:00:00.000Z#0123456789ab" } },
    },
    {
      method: "PUT",
      resource: "/notifications/read",
      name: "bad body (400)",
      status: 400,
      options: { body: { all: false } },
    },
    // The one-click unsubscribe link: public, the signed token is the authentication.
    {
      method: "GET",
      resource: "/unsubscribe",
      name: "the page (changes nothing)",
      status: 200,
      options: { query: { token: unsubscribeToken } },
    },
    {
      method: "POST",
      resource: "/unsubscribe",
      name: "one click",
      status: 200,
      options: {
        query: { token: unsubscribeToken },
        headers: { "Content-Type": "application/x-www-form-urlencoded" },
      },
    },
    {
      method: "GET",
      resource: "/unsubscribe",
      name: "tampered token (400)",
      status: 400,
      options: { query: { token: `${unsubscribeToken}x` } },
    },
  ];
  // Every POST a member sends again with an Idempotency-Key (its budget is one more round
  // trip): the last successful case of each route (the one that can be repeated), again at
  // the end with a key of its own.
  for (const route of ROUTES) {
    if (route.method !== "POST" || route.access === "public") continue;
    const last = cases.findLast(
      (c) =>
        c.method === route.method &&
        c.resource === route.resource &&
        typeof c.status === "number" &&
        c.status < 300 &&
        !c.options?.headers?.["Idempotency-Key"],
    );
    if (!last) throw new Error(`No successful case of ${route.method} ${route.resource} to send with a key`);
    cases.push({
      ...last,
      name: `${last.name}, Idempotency-Key`,
      status: "success",
      options: {
        ...last.options,
        headers: { ...last.options?.headers, "Idempotency-Key": `bench-${route.resource}` },
      },
    });
  }
  const uncovered = ROUTES.filter(
    (route) => !cases.some((c) => c.method === route.method && c.resource === route.resource),
  );
  if (uncovered.length) {
    throw new Error(`No benchmark case for: ${uncovered.map((r) => `${r.method} ${r.resource}`).join(", ")}`);
  }

  const results = [];
  for (const measured of cases) {
    recorded = [];
    roundTrips = 0;
    const response = await call(
      measured.method,
      measured.resource,
      measured.options,
      measured.tightlyLimited
        ? tightlyLimited
        : measured.coldRevocationList
          ? buildApiHandlers(env, {
              ...overrides,
              rateLimits: generousLimits,
              revocations: new RevocationList(repositories.revocations),
            })
          : handlers,
    );
    const calls = recorded;
    recorded = undefined;
    if (inFlight !== 0) {
      throw new Error(
        `${measured.method} ${measured.resource} (${measured.name}) answered while ${inFlight} DynamoDB call(s) were still in flight`,
      );
    }
    const operations = calls.map((c) => c.operation);
    const expected =
      measured.status === "success"
        ? response.status >= 200 && response.status < 300
        : response.status === measured.status;
    if (!expected) {
      throw new Error(
        `${measured.method} ${measured.resource} (${measured.name}) answered ${response.status}, not ${measured.status}: ${JSON.stringify(response.body)}`,
      );
    }
    const byOperation: Record<string, number> = {};
    for (const operation of operations) byOperation[operation] = (byOperation[operation] ?? 0) + 1;
    const budget = roundTripBudget(measured);
    results.push({
      route: `${measured.method} ${measured.resource}`,
      case: measured.name,
      budget,
      status: response.status,
      calls: operations.length,
      roundTrips: roundTrips,
      byOperation,
      sequence: operations,
      /** The operations of each sequential round trip, in order. */
      byRoundTrip: Array.from({ length: roundTrips }, (_, n) =>
        calls.filter((c) => c.roundTrip === n + 1).map((c) => c.operation),
      ),
    });
  }

  console.log(
    formatTable(
      [
        "route",
        "case",
        "status",
        "calls",
        "round trips",
        "budget",
        "operations by round trip (parallel ones joined by +)",
      ],
      results.map((r) => [
        r.route,
        r.case,
        r.status,
        r.calls,
        r.roundTrips,
        r.budget,
        r.byRoundTrip.map((trip) => trip.join("+")).join(" → "),
      ]),
      2,
    ),
  );
  const path = await writeResult("dynamodb-calls", {
    benchmark: "dynamodb-calls",
    measuredAt: new Date().toISOString(),
    machine: machineInfo(),
    results,
  });
  console.log(`\nWrote ${path}`);

  // The budgets are checks, not remarks: any case over its budget, or any Scan, fails the run.
  const failures = results.flatMap((r) => {
    const found: string[] = [];
    const label = `${r.route} (${r.case})`;
    if (r.roundTrips > r.budget) {
      found.push(`${label}: ${r.roundTrips} sequential round trips, budget ${r.budget}`);
    }
    if (r.byOperation.Scan) found.push(`${label}: sent ${r.byOperation.Scan} Scan(s)`);
    return found;
  });
  const totals = {
    cases: results.length,
    calls: results.reduce((sum, r) => sum + r.calls, 0),
    roundTrips: results.reduce((sum, r) => sum + r.roundTrips, 0),
    maxRead: Math.max(...results.filter((r) => r.route.startsWith("GET ")).map((r) => r.roundTrips)),
    maxWrite: Math.max(...results.filter((r) => !r.route.startsWith("GET ")).map((r) => r.roundTrips)),
  };
  console.log(
    `${totals.cases} cases, ${totals.calls} calls, ${totals.roundTrips} round trips in all; at most ${totals.maxRead} for a read, ${totals.maxWrite} for a write`,
  );
  if (failures.length) {
    console.error(
      `\nOver budget (reads ${READ_BUDGET}, writes ${WRITE_BUDGET}, ${KEYED_WRITE_BUDGET} with an Idempotency-Key, no Scan):`,
    );
    for (const failure of failures) console.error(`  ${failure}`);
    failOverBudget();
  }
} finally {
  await deleteTables(client, prefix).catch(() => {});
  client.destroy();
  doc.destroy();
  idempotencyClient.destroy();
  await started?.stop();
}
