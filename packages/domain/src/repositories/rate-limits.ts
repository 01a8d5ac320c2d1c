import { UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { RateLimitedError, toDomainError } from "../errors.js";
import type { RateLimit, RateLimitKind } from "../rules/rate-limits.js";
import { Repository } from "./context.js";

/** The fixed window `now` falls in, in epoch seconds: windows start at multiples of their length. */
export function windowOf(now: Date, windowSeconds: number): { start: number; end: number } {
  const nowSeconds = Math.floor(now.getTime() / 1000);
  const start = nowSeconds - (nowSeconds % windowSeconds);
  return { start, end: start + windowSeconds };
}

export class RateLimitsRepository extends Repository {
  /**
   * Counts one request of `kind` by `userId` in the current fixed window, or refuses it with a
   * RateLimitedError (retry after the window's end) when the window is used up. One
   * conditional UpdateItem either way: `ADD` under the condition that the count is still
   * below the limit, so concurrent requests are counted exactly and no more than `limit`
   * get through; a refused one changes nothing (the failed condition is its only write).
   */
  async consume(userId: string, kind: RateLimitKind, rateLimit: RateLimit): Promise<void> {
    const now = this.now();
    const window = windowOf(now, rateLimit.windowSeconds);
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tables.RateLimits,
          Key: { windowKey: `${userId}#${kind}#${window.start}` },
          UpdateExpression: "SET #expiresAt = :expiresAt ADD #count :one",
          ConditionExpression: "attribute_not_exists(#count) OR #count < :limit",
          ExpressionAttributeNames: { "#count": "requestCount", "#expiresAt": "expiresAt" },
          ExpressionAttributeValues: { ":one": 1, ":limit": rateLimit.limit, ":expiresAt": window.end },
        }),
      );
    } catch (error) {
      if ((error as { name?: unknown }).name !== "ConditionalCheckFailedException")
        throw toDomainError(error);
      const retryAfterSeconds = Math.max(1, Math.ceil(window.end - now.getTime() / 1000));
      throw new RateLimitedError(
        `Too many ${kind} requests; try again in ${retryAfterSeconds} second${retryAfterSeconds === 1 ? "" : "s"}`,
        retryAfterSeconds,
        { cause: error },
      );
    }
  }
}
