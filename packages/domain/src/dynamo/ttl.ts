/** TTL attributes are epoch seconds, as DynamoDB's TTL process expects. */
export function toEpochSeconds(date: Date): number {
  return Math.floor(date.getTime() / 1000);
}

export function ttlAfter(seconds: number, now: Date = new Date()): number {
  return toEpochSeconds(now) + Math.ceil(seconds);
}

/**
 * DynamoDB deletes expired items lazily (up to days later) and DynamoDB Local never does,
 * so every reader of a TTL'd record treats an expired one as absent.
 */
export function isExpired(
  item: Record<string, unknown> | undefined,
  ttlAttribute: string,
  now = new Date(),
): boolean {
  if (!item) return true;
  const value = item[ttlAttribute];
  return typeof value === "number" && value <= toEpochSeconds(now);
}
