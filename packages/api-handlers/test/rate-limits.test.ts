import { createRepositories, DEFAULT_RATE_LIMITS, RATE_LIMIT_KINDS } from "@hearth/domain";
import { beforeAll, describe, expect, it } from "vitest";
import { routeKey } from "../src/http/route-handler.js";
import { ROUTES } from "../src/routes.js";
import {
  type ApiResponse,
  type Invoke,
  invoker,
  type TestUser,
  testDependencies,
  users,
  useTestApi,
} from "./helpers.js";

const api = useTestApi("ratelimits");

/**
 * The handlers with the default limits and a clock of their own, set `offsetMs` into a
 * minute that has not begun yet (a past window would have expired under TTL), so a test sits
 * at a known point of its window and can step into the next one.
 */
const clock = { now: new Date() };
let call: Invoke;
let deps: ReturnType<typeof testDependencies>;
function setClock(minutesAhead: number, secondsIntoMinute: number) {
  const minute = 60_000;
  clock.now = new Date((Math.floor(Date.now() / minute) + minutesAhead) * minute + secondsIntoMinute * 1000);
}
beforeAll(() => {
  const { db } = api();
  const now = () => clock.now;
  const repositories = createRepositories({ doc: db.doc, tables: db.tables, cursors: db.cursors, now });
  deps = testDependencies(db, {
    repositories,
    rateLimitCounters: repositories.rateLimits,
    rateLimits: DEFAULT_RATE_LIMITS,
    now,
  });
  call = invoker(deps);
});

let members = 0;
/** A member no other test has spent any limit of. */
const freshMember = (): TestUser => ({ ...users.alice, userId: `user-limited-${++members}` });

const postComment = (caller: TestUser, itemId: string) =>
  call("POST", "/comments/{itemId}", { caller, pathParameters: { itemId }, body: { commentText: "Again" } });

async function commentCount(itemId: string): Promise<number> {
  const response = await call("GET", "/comments/{itemId}", {
    caller: users.admin,
    pathParameters: { itemId },
    query: { limit: "100" },
  });
  return response.body.comments.length;
}

const statuses = (responses: ApiResponse[]) => responses.map((r) => r.status);

describe("per-member rate limits", () => {
  it("let exactly the limit through of 50 concurrent comments by one member, and write only those", async () => {
    setClock(2, 15);
    const member = freshMember();
    const responses = await Promise.all(
      Array.from({ length: 50 }, () => postComment(member, "/limited/fifty")),
    );
    expect(statuses(responses).filter((s) => s === 201)).toHaveLength(DEFAULT_RATE_LIMITS.comments.limit);
    const limited = responses.filter((r) => r.status === 429);
    expect(limited).toHaveLength(50 - DEFAULT_RATE_LIMITS.comments.limit);
    for (const response of limited) {
      expect(response.body.error.code).toBe("RATE_LIMITED");
      // 15 seconds into the minute: the window ends 45 seconds later.
      expect(response.headers["Retry-After"]).toBe("45");
    }
    expect(await commentCount("/limited/fifty")).toBe(DEFAULT_RATE_LIMITS.comments.limit);
  });

  it("start afresh in the next window", async () => {
    setClock(4, 59);
    const member = freshMember();
    for (let i = 0; i < DEFAULT_RATE_LIMITS.comments.limit; i++) {
      expect((await postComment(member, "/limited/windows")).status).toBe(201);
    }
    const refused = await postComment(member, "/limited/windows");
    expect(refused.status).toBe(429);
    expect(refused.headers["Retry-After"]).toBe("1");
    setClock(5, 0);
    expect((await postComment(member, "/limited/windows")).status).toBe(201);
    expect(await commentCount("/limited/windows")).toBe(DEFAULT_RATE_LIMITS.comments.limit + 1);
  });

  it("count comment edits with new comments: the eleventh edit in a minute is refused and changes nothing", async () => {
    setClock(16, 5);
    const member = freshMember();
    const posted = await postComment(member, "/limited/edits");
    expect(posted.status).toBe(201);
    const edit = (text: string) =>
      call("PUT", "/comments/{itemId}/{commentId}", {
        caller: member,
        pathParameters: { itemId: "/limited/edits", commentId: posted.body.commentId },
        body: { commentText: text },
      });
    // The comment itself spent one of the window's ten.
    for (let i = 1; i < DEFAULT_RATE_LIMITS.comments.limit; i++) {
      expect((await edit(`Edit ${i}`)).status).toBe(200);
    }
    const refused = await edit("One edit too many");
    expect(refused.status).toBe(429);
    expect(refused.body.error.code).toBe("RATE_LIMITED");
    expect(refused.headers["Retry-After"]).toBe("55");
    const comments = await call("GET", "/comments/{itemId}", {
      caller: member,
      pathParameters: { itemId: "/limited/edits" },
    });
    expect(comments.body.comments[0]).toMatchObject({
      commentText: `Edit ${DEFAULT_RATE_LIMITS.comments.limit - 1}`,
      version: DEFAULT_RATE_LIMITS.comments.limit,
    });
    // The next minute, edits go through again.
    setClock(17, 0);
    expect((await edit("A minute later")).status).toBe(200);
  });

  it("do not limit admins", async () => {
    setClock(7, 10);
    const responses = await Promise.all(
      Array.from({ length: DEFAULT_RATE_LIMITS.comments.limit + 5 }, () =>
        postComment(users.admin, "/limited/admin"),
      ),
    );
    expect(statuses(responses).every((s) => s === 201)).toBe(true);
  });

  it("leave other members alone when one is limited", async () => {
    setClock(9, 10);
    const limited = freshMember();
    const other = freshMember();
    await Promise.all(
      Array.from({ length: DEFAULT_RATE_LIMITS.comments.limit + 1 }, () =>
        postComment(limited, "/limited/two"),
      ),
    );
    expect((await postComment(limited, "/limited/two")).status).toBe(429);
    expect((await postComment(other, "/limited/two")).status).toBe(201);
  });

  it("do not count a retry that is answered from its Idempotency-Key's stored response", async () => {
    setClock(11, 10);
    const member = freshMember();
    const upload = (key: string) =>
      call("POST", "/messages/upload", {
        caller: member,
        headers: { "Idempotency-Key": key },
        body: { filename: "scan.png", contentType: "image/png", size: 1000 },
      });
    const first = await upload("upload-1");
    const retries = [await upload("upload-1"), await upload("upload-1")];
    expect(first.status).toBe(200);
    expect(retries.map((r) => [r.status, r.headers["Idempotent-Replayed"]])).toEqual([
      [200, "true"],
      [200, "true"],
    ]);
    // The retries spent nothing: four more uploads fit in the limit of five, the next does not.
    for (let i = 2; i <= DEFAULT_RATE_LIMITS.uploads.limit; i++) {
      expect((await upload(`upload-${i}`)).status).toBe(200);
    }
    const refused = await upload("upload-over");
    expect(refused.status).toBe(429);
    // A refused request stored no response: in the next window the same key runs for real.
    setClock(12, 10);
    const later = await upload("upload-over");
    expect(later.status).toBe(200);
    expect(later.headers["Idempotent-Replayed"]).toBeUndefined();
  });

  it("are named by the route table for each kind of write", () => {
    const limitedRoutes = Object.fromEntries(
      ROUTES.filter((route) => "rateLimit" in route).map((route) => [routeKey(route), route.rateLimit]),
    );
    expect(limitedRoutes).toEqual({
      "POST /comments/{itemId}": "comments",
      "PUT /comments/{itemId}/{commentId}": "comments",
      "POST /reactions/{commentId}": "reactions",
      "POST /messages/conversations": "messages",
      "POST /messages/conversations/{conversationId}": "messages",
      "POST /messages/upload": "uploads",
      "POST /profile/photo": "uploads",
    });
    expect(new Set(Object.values(limitedRoutes))).toEqual(new Set(RATE_LIMIT_KINDS));
  });

  it.each(ROUTES.filter((route) => "rateLimit" in route).map((route) => [routeKey(route), route] as const))(
    "answer %s with 429 once the member's window is used up, before the route runs",
    async (_, route) => {
      setClock(14, 30);
      const member = freshMember();
      const kind = route.rateLimit;
      for (let i = 0; i < DEFAULT_RATE_LIMITS[kind].limit; i++) {
        await deps.rateLimitCounters.consume(member.userId, kind, DEFAULT_RATE_LIMITS[kind]);
      }
      // Neither the (missing) comment nor the empty body is looked at: the limit answers first.
      const response = await call(route.method, route.resource, {
        caller: member,
        pathParameters: {
          itemId: "/limited/any",
          commentId: "01JZZZZZZZZZZZZZZZZZZZZZZZ",
          conversationId: "grp_01JZZZZZZZZZZZZZZZZZZZZZZZ",
        },
        body: {},
      });
      expect(response.status).toBe(429);
      expect(response.body).toEqual({
        error: { code: "RATE_LIMITED", message: `Too many ${kind} requests; try again in 30 seconds` },
      });
      expect(response.headers["Retry-After"]).toBe("30");
    },
  );
});
