import { GetCommand } from "@aws-sdk/lib-dynamodb";
import { describe, expect, it } from "vitest";
import { ConfigurationError, RateLimitedError } from "../src/errors.js";
import { createRepositories } from "../src/repositories/index.js";
import { windowOf } from "../src/repositories/rate-limits.js";
import { DEFAULT_RATE_LIMITS, RATE_LIMITS_ENV, rateLimitsFromEnv } from "../src/rules/rate-limits.js";
import { useTestDatabase } from "./helpers.js";

const db = useTestDatabase("ratelimits");

/**
 * A moment `offsetMs` into an hour that has not begun yet: windows in the past would have
 * expired (DynamoDB Local honours TTL), and a fixed offset keeps a test off window boundaries.
 */
function future(offsetMs: number): Date {
  const hour = 3600_000;
  return new Date((Math.floor(Date.now() / hour) + 2) * hour + offsetMs);
}

/** Repositories whose clock is `clock.now`, so a test can move into the next window. */
function limiterAt(start: Date) {
  const clock = { now: start };
  const repositories = createRepositories({ ...db(), now: () => clock.now });
  return { clock, limiter: repositories.rateLimits };
}

async function outcome(promise: Promise<unknown>): Promise<"allowed" | RateLimitedError> {
  try {
    await promise;
    return "allowed";
  } catch (error) {
    if (error instanceof RateLimitedError) return error;
    throw error;
  }
}

describe("the rate limiter", () => {
  it("lets exactly the limit through of 50 concurrent requests, and counts exactly that many", async () => {
    const { limiter } = limiterAt(future(15_000));
    const limit = { limit: 10, windowSeconds: 60 };
    const outcomes = await Promise.all(
      Array.from({ length: 50 }, () => outcome(limiter.consume("member-a", "comments", limit))),
    );
    expect(outcomes.filter((o) => o === "allowed")).toHaveLength(10);
    const refused = outcomes.filter((o): o is RateLimitedError => o !== "allowed");
    expect(refused).toHaveLength(40);
    // 15 seconds into the minute: 45 seconds until the window ends.
    for (const error of refused) expect(error.retryAfterSeconds).toBe(45);

    const window = windowOf(future(15_000), 60);
    const { Item } = await db().doc.send(
      new GetCommand({
        TableName: db().tables.RateLimits,
        Key: { windowKey: `member-a#comments#${window.start}` },
        ConsistentRead: true,
      }),
    );
    // Refused requests changed nothing; the item expires when its window ends.
    expect(Item).toMatchObject({ requestCount: 10, expiresAt: window.end });
    expect(window.end - window.start).toBe(60);
  });

  it("starts counting afresh in the next window", async () => {
    const { clock, limiter } = limiterAt(future(5 * 60_000 + 59_500));
    const limit = { limit: 2, windowSeconds: 60 };
    await limiter.consume("member-b", "messages", limit);
    await limiter.consume("member-b", "messages", limit);
    const refused = await outcome(limiter.consume("member-b", "messages", limit));
    // Half a second left is still a whole second to wait.
    expect(refused).toBeInstanceOf(RateLimitedError);
    expect((refused as RateLimitedError).retryAfterSeconds).toBe(1);

    clock.now = future(6 * 60_000);
    await expect(limiter.consume("member-b", "messages", limit)).resolves.toBeDefined();
  });

  it("keeps members and kinds apart", async () => {
    const { limiter } = limiterAt(future(10 * 60_000));
    const limit = { limit: 1, windowSeconds: 60 };
    await limiter.consume("member-c", "reactions", limit);
    await expect(limiter.consume("member-c", "reactions", limit)).rejects.toBeInstanceOf(RateLimitedError);
    await expect(limiter.consume("member-d", "reactions", limit)).resolves.toBeDefined();
    await expect(limiter.consume("member-c", "uploads", limit)).resolves.toBeDefined();
  });
  it("gives a refunded request back to its window, once", async () => {
    const { limiter } = limiterAt(future(12 * 60_000));
    const limit = { limit: 1, windowSeconds: 60 };
    const spent = await limiter.consume("member-e", "comments", limit);
    await expect(limiter.consume("member-e", "comments", limit)).rejects.toBeInstanceOf(RateLimitedError);
    await spent.refund();
    // Never below zero: a second refund of the same request changes nothing.
    await spent.refund();
    await limiter.consume("member-e", "comments", limit);
    await expect(limiter.consume("member-e", "comments", limit)).rejects.toBeInstanceOf(RateLimitedError);
  });
});

describe("rate limits from the environment", () => {
  it("are the defaults when RATE_LIMITS is unset", () => {
    expect(rateLimitsFromEnv({})).toEqual(DEFAULT_RATE_LIMITS);
    expect(DEFAULT_RATE_LIMITS).toEqual({
      comments: { limit: 10, windowSeconds: 60 },
      messages: { limit: 30, windowSeconds: 60 },
      reactions: { limit: 60, windowSeconds: 60 },
      uploads: { limit: 5, windowSeconds: 60 },
    });
  });

  it("override only the kinds they name", () => {
    const limits = rateLimitsFromEnv({
      [RATE_LIMITS_ENV]: JSON.stringify({ comments: { limit: 3, windowSeconds: 30 } }),
    });
    expect(limits).toEqual({ ...DEFAULT_RATE_LIMITS, comments: { limit: 3, windowSeconds: 30 } });
  });

  it.each([
    ["not JSON", "{comments:", /not valid JSON/],
    ["an unknown kind", JSON.stringify({ likes: { limit: 1, windowSeconds: 60 } }), /not valid/],
    ["a zero limit", JSON.stringify({ comments: { limit: 0, windowSeconds: 60 } }), /comments\.limit/],
    [
      "a fractional window",
      JSON.stringify({ uploads: { limit: 5, windowSeconds: 0.5 } }),
      /uploads\.windowSeconds/,
    ],
    ["a missing window", JSON.stringify({ messages: { limit: 5 } }), /messages\.windowSeconds/],
  ])("refuse to start on %s", (_, value, message) => {
    expect(() => rateLimitsFromEnv({ [RATE_LIMITS_ENV]: value })).toThrow(ConfigurationError);
    expect(() => rateLimitsFromEnv({ [RATE_LIMITS_ENV]: value })).toThrow(message);
  });
});
