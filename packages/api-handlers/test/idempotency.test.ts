import { ScanCommand } from "@aws-sdk/client-dynamodb";
import { CommentsRepository, DatabaseError, type NewComment } from "@hearth/domain";
import { describe, expect, it, vi } from "vitest";
import { API_MANIFESTS } from "../src/functions.js";
import { API_IDEMPOTENCY_KEY_PREFIX, MAX_IDEMPOTENCY_KEY_LENGTH } from "../src/http/idempotency.js";
import { API_AREAS, ROUTES } from "../src/routes.js";
import { type EventOptions, invoker, saveProfile, testDependencies, users, useTestApi } from "./helpers.js";

const api = useTestApi("idempotency");

let keys = 0;
/** A fresh client-chosen key per request group, so tests never share records. */
const newKey = () => `retry-${Date.now()}-${++keys}`;

function postComment(itemId: string, key: string | undefined, options: EventOptions = {}) {
  return api().call("POST", "/comments/{itemId}", {
    pathParameters: { itemId },
    body: { commentText: "Written once, however often it is sent" },
    ...options,
    headers: { ...(key === undefined ? {} : { "Idempotency-Key": key }), ...options.headers },
  });
}

async function commentsOn(itemId: string) {
  const response = await api().call("GET", "/comments/{itemId}", {
    pathParameters: { itemId },
    caller: users.admin,
  });
  return response.body.comments as { commentId: string; userId: string; commentText: string }[];
}

/** The API's idempotency records in this file's table (test-only Scan). */
async function apiRecords() {
  const { db } = api();
  const output = await db.client.send(new ScanCommand({ TableName: db.tables.IdempotencyRecords }));
  return (output.Items ?? [])
    .map((item) => ({
      id: item.id?.S ?? "",
      status: item.status?.S,
      expiration: Number(item.expiration?.N),
      storedBody: item.data?.M?.bodyJson?.S ?? "",
    }))
    .filter((record) => record.id.startsWith(`${API_IDEMPOTENCY_KEY_PREFIX}#`));
}

function deferred() {
  let resolve = () => {};
  const promise = new Promise<void>((done) => {
    resolve = done;
  });
  return { promise, resolve };
}

/** Comments whose first `create` waits for `release()`, to hold a first request in flight. */
class HeldComments extends CommentsRepository {
  private gate = deferred();
  private holding = true;
  readonly started = deferred();
  release() {
    this.gate.resolve();
  }
  override async create(input: NewComment) {
    if (this.holding) {
      this.holding = false;
      this.started.resolve();
      await this.gate.promise;
    }
    return super.create(input);
  }
}

/** Comments whose first `create` fails as a database outage would. */
class FailingOnceComments extends CommentsRepository {
  private failed = false;
  override async create(input: NewComment) {
    if (!this.failed) {
      this.failed = true;
      throw new DatabaseError("The database call failed");
    }
    return super.create(input);
  }
}

describe("a POST with an Idempotency-Key", () => {
  it("is answered from the first response on a retry, without writing again", async () => {
    await saveProfile(api().call, users.alice);
    const itemId = "/idempotency/replay";
    const key = newKey();
    const first = await postComment(itemId, key);
    const retry = await postComment(itemId, key);
    expect(first.status).toBe(201);
    expect(retry.status).toBe(201);
    expect(retry.body).toEqual(first.body);
    expect(retry.headers["Idempotent-Replayed"]).toBe("true");
    expect(first.headers["Idempotent-Replayed"]).toBeUndefined();
    expect(await commentsOn(itemId)).toHaveLength(1);
  });

  it("treats the same JSON with other spacing or key order as the same request", async () => {
    await saveProfile(api().call, users.alice);
    const itemId = "/idempotency/same-json";
    const key = newKey();
    const first = await postComment(itemId, key, { body: '{"commentText":"Same","itemTitle":"T"}' });
    const retry = await postComment(itemId, key, { body: '{ "itemTitle": "T",\n  "commentText": "Same" }' });
    expect(retry.status).toBe(201);
    expect(retry.body).toEqual(first.body);
    expect(await commentsOn(itemId)).toHaveLength(1);
  });

  it("answers 422 IDEMPOTENCY_KEY_REUSED when the key comes back with another body or path", async () => {
    await saveProfile(api().call, users.alice);
    const itemId = "/idempotency/reused";
    const key = newKey();
    expect((await postComment(itemId, key)).status).toBe(201);
    const otherBody = await postComment(itemId, key, { body: { commentText: "Something else" } });
    expect(otherBody.status).toBe(422);
    expect(otherBody.body).toEqual({
      error: { code: "IDEMPOTENCY_KEY_REUSED", message: expect.any(String) },
    });
    expect(otherBody.body.error.message).not.toContain(key);
    const otherItem = await postComment("/idempotency/reused-elsewhere", key);
    expect(otherItem.status).toBe(422);
    expect(await commentsOn(itemId)).toHaveLength(1);
    expect(await commentsOn("/idempotency/reused-elsewhere")).toHaveLength(0);
  });

  it("belongs to its caller: another member with the same key gets their own result", async () => {
    await saveProfile(api().call, users.alice);
    await saveProfile(api().call, users.bob);
    const itemId = "/idempotency/per-caller";
    const key = newKey();
    const alices = await postComment(itemId, key, { caller: users.alice });
    const bobs = await postComment(itemId, key, { caller: users.bob });
    expect(bobs.status).toBe(201);
    expect(bobs.headers["Idempotent-Replayed"]).toBeUndefined();
    expect(bobs.body.userId).toBe(users.bob.userId);
    expect(bobs.body.commentId).not.toBe(alices.body.commentId);
    expect(await commentsOn(itemId)).toHaveLength(2);
  });

  it("keys records by route too: the same key on another POST route is a new request", async () => {
    await saveProfile(api().call, users.alice);
    const key = newKey();
    const comment = await postComment("/idempotency/per-route", key);
    const like = await api().call("POST", "/reactions/{commentId}", {
      pathParameters: { commentId: comment.body.commentId },
      headers: { "Idempotency-Key": key },
    });
    expect(like.status).toBe(200);
    expect(like.body).toMatchObject({ liked: true, reactionCount: 1 });
  });

  it("answers 409 REQUEST_IN_PROGRESS to a retry while the first request still runs", async () => {
    const { db } = api();
    const held = new HeldComments(db);
    const call = invoker(testDependencies(db, { repositories: { ...db.repositories, comments: held } }));
    await saveProfile(call, users.alice);
    const itemId = "/idempotency/in-progress";
    const key = newKey();
    const request = {
      pathParameters: { itemId },
      body: { commentText: "Slow to store" },
      headers: { "Idempotency-Key": key },
    };
    const first = call("POST", "/comments/{itemId}", request);
    await held.started.promise;
    // The route starts while its in-progress record is being stored: wait until it is.
    await vi.waitFor(
      async () => expect((await apiRecords()).some((r) => r.status === "INPROGRESS")).toBe(true),
      { timeout: 5000, interval: 20 },
    );
    const retry = await call("POST", "/comments/{itemId}", request);
    expect(retry.status).toBe(409);
    expect(retry.body.error.code).toBe("REQUEST_IN_PROGRESS");
    expect(retry.headers["Retry-After"]).toBe("1");
    held.release();
    const done = await first;
    expect(done.status).toBe(201);
    const later = await call("POST", "/comments/{itemId}", request);
    expect(later.body).toEqual(done.body);
    expect(await commentsOn(itemId)).toHaveLength(1);
  });

  it("stores no failed response, so a retry after a 5xx or a 4xx runs again", async () => {
    const { db } = api();
    const call = invoker(
      testDependencies(db, {
        repositories: { ...db.repositories, comments: new FailingOnceComments(db) },
      }),
    );
    await saveProfile(call, users.alice);
    const itemId = "/idempotency/after-failure";
    const key = newKey();
    const request = {
      pathParameters: { itemId },
      body: { commentText: "Second time lucky" },
      headers: { "Idempotency-Key": key },
    };
    expect((await call("POST", "/comments/{itemId}", request)).status).toBe(500);
    const retry = await call("POST", "/comments/{itemId}", request);
    expect(retry.status).toBe(201);
    expect(retry.headers["Idempotent-Replayed"]).toBeUndefined();
    expect(await commentsOn(itemId)).toHaveLength(1);

    const invalidKey = newKey();
    const invalid = await postComment(itemId, invalidKey, { body: { commentText: "" } });
    expect(invalid.status).toBe(400);
    // Nothing was stored for the 400, so the key is still free for a corrected request.
    expect((await postComment(itemId, invalidKey)).status).toBe(201);
  });

  it("keeps the first response 24 hours, under a record id that holds neither the key nor the caller", async () => {
    await saveProfile(api().call, users.carol);
    const key = newKey();
    const before = Math.floor(Date.now() / 1000);
    await postComment("/idempotency/expiry", key, { caller: users.carol });
    const records = (await apiRecords()).filter((record) => record.status === "COMPLETED");
    const mine = records.filter((record) => record.storedBody.includes("/idempotency/expiry"));
    expect(mine).toHaveLength(1);
    const record = mine[0]!;
    expect(record.expiration).toBeGreaterThanOrEqual(before + 24 * 60 * 60);
    expect(record.expiration).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000) + 24 * 60 * 60);
    expect(record.id).not.toContain(key);
    expect(record.id).not.toContain(users.carol.userId);
  });

  it("marks each stored response with its caller, so an account deletion removes exactly theirs", async () => {
    await saveProfile(api().call, users.carol);
    await saveProfile(api().call, users.bob);
    await postComment("/idempotency/owner", newKey(), { caller: users.carol });
    await postComment("/idempotency/owner", newKey(), { caller: users.carol });
    await postComment("/idempotency/owner", newKey(), { caller: users.bob });
    const { storedResponses } = api().db.repositories;
    const owned = async () =>
      (await apiRecords()).filter((record) => record.storedBody.includes("/idempotency/owner")).length;
    expect(await owned()).toBe(3);
    expect(await storedResponses.removeAllForUser(users.carol.userId)).toBeGreaterThanOrEqual(2);
    expect(await owned()).toBe(1);
    expect(await storedResponses.removeAllForUser(users.carol.userId)).toBe(0);
  });

  it("must be 1 to 255 printable characters (400 otherwise, nothing stored)", async () => {
    await saveProfile(api().call, users.alice);
    const itemId = "/idempotency/key-shape";
    for (const key of ["", "   ", "x".repeat(MAX_IDEMPOTENCY_KEY_LENGTH + 1), "tab\there"]) {
      const response = await postComment(itemId, key);
      expect(response.status, JSON.stringify(key)).toBe(400);
      expect(response.body.error.code).toBe("INVALID_INPUT");
      expect(response.body.error.message).toContain("Idempotency-Key");
    }
    expect(await commentsOn(itemId)).toHaveLength(0);
    expect((await postComment(itemId, "k".repeat(MAX_IDEMPOTENCY_KEY_LENGTH))).status).toBe(201);
  });

  it("is not needed: without one, every POST runs", async () => {
    await saveProfile(api().call, users.alice);
    const itemId = "/idempotency/no-key";
    await postComment(itemId, undefined);
    await postComment(itemId, undefined);
    expect(await commentsOn(itemId)).toHaveLength(2);
  });
});

describe("the idempotency records table", () => {
  it("is granted read-write to exactly the areas that have POST routes", () => {
    for (const area of API_AREAS) {
      const hasPost = ROUTES.some((route) => route.area === area && route.method === "POST");
      expect(API_MANIFESTS[area].tables.IdempotencyRecords, area).toBe(hasPost ? "readWrite" : undefined);
    }
  });
});
