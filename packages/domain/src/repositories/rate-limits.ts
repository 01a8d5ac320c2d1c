import { UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { batchGetAll, batchWriteAll } from "../dynamo/batch.js";
import { isConditionFailure } from "../dynamo/conditions.js";
import { RateLimitedError, toDomainError } from "../errors.js";
import {
  RATE_LIMIT_KINDS,
  type RateLimit,
  type RateLimitKind,
  type RateLimits,
} from "../rules/rate-limits.js";
import { Repository } from "./context.js";

/** The fixed window `now` falls in, in epoch seconds: windows start at multiples of their length. */
export function windowOf(now: Date, windowSeconds: number): { start: number; end: number } {
  const nowSeconds = Math.floor(now.getTime() / 1000);
  const start = nowSeconds - (nowSeconds % windowSeconds);
  return { start, end: start + windowSeconds };
}

function windowKeyOf(userId: string, kind: RateLimitKind, windowStart: number): string {
  return `${userId}#${kind}#${windowStart}`;
}

/** One counted request, which `refund` gives back to its window. */
interface ConsumedRequest {
  refund(): Promise<void>;
}

export class RateLimitsRepository extends Repository {
  /**
   * Counts one request of `kind` by `userId` in the current fixed window, or refuses it with a
   * RateLimitedError (retry after the window's end) when the window is used up. One
   * conditional UpdateItem either way: `ADD` under the condition that the count is still
   * below the limit, so concurrent requests are counted exactly and no more than `limit`
   * get through; a refused one changes nothing (the failed condition is its only write).
   * What it returns gives the request back (`refund`), for a request that turned out not to
   * be one after all (a retry answered from its stored response).
   */
  async consume(userId: string, kind: RateLimitKind, rateLimit: RateLimit): Promise<ConsumedRequest> {
    const now = this.now();
    const window = windowOf(now, rateLimit.windowSeconds);
    const windowKey = windowKeyOf(userId, kind, window.start);
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tables.RateLimits,
          Key: { windowKey },
          UpdateExpression: "SET #expiresAt = :expiresAt ADD #count :one",
          ConditionExpression: "attribute_not_exists(#count) OR #count < :limit",
          ExpressionAttributeNames: { "#count": "requestCount", "#expiresAt": "expiresAt" },
          ExpressionAttributeValues: { ":one": 1, ":limit": rateLimit.limit, ":expiresAt": window.end },
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw toDomainError(error);
      const retryAfterSeconds = Math.max(1, Math.ceil(window.end - now.getTime() / 1000));
      throw new RateLimitedError(
        `Too many ${kind} requests; try again in ${retryAfterSeconds} second${retryAfterSeconds === 1 ? "" : "s"}`,
        retryAfterSeconds,
        { cause: error },
      );
    }
    return {
      // The same window's count, one less (never below zero); a window gone by has nothing to give back.
      refund: async () => {
        try {
          await this.doc.send(
            new UpdateCommand({
              TableName: this.tables.RateLimits,
              Key: { windowKey },
              UpdateExpression: "ADD #count :minusOne",
              ConditionExpression: "#count > :zero",
              ExpressionAttributeNames: { "#count": "requestCount" },
              ExpressionAttributeValues: { ":minusOne": -1, ":zero": 0 },
            }),
          );
        } catch (error) {
          if ((error as { name?: unknown }).name !== "ConditionalCheckFailedException")
            throw toDomainError(error);
        }
      },
    };
  }

  /**
   * Removes a member's live rate-limit records (their account is being deleted): the current
   * and the previous window of every kind, by key (older windows have expired through their
   * TTL; no Scan). Returns how many records there were.
   */
  async removeRecentWindows(userId: string, limits: RateLimits): Promise<number> {
    const now = this.now();
    const keys = RATE_LIMIT_KINDS.flatMap((kind) => {
      const { windowSeconds } = limits[kind];
      const current = windowOf(now, windowSeconds).start;
      return [current, current - windowSeconds].map((start) => ({
        windowKey: windowKeyOf(userId, kind, start),
      }));
    });
    const found = await batchGetAll<{ windowKey: string }>(this.doc, this.tables.RateLimits, keys, {
      consistentRead: true,
      projection: ["windowKey"],
    });
    await batchWriteAll(
      this.doc,
      this.tables.RateLimits,
      found.map((record) => ({ delete: { windowKey: record.windowKey } })),
    );
    return found.length;
  }
}
