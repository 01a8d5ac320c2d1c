/**
 * Awaits independent calls sent together (one round trip instead of several). When some
 * fail, the failure of the first one in the list is thrown, whichever failed first in time,
 * so the answer does not depend on timing (a 404 for the resource wins over a bad cursor).
 */
export async function firstFailureOf<const T extends readonly unknown[]>(
  calls: T,
): Promise<{ -readonly [K in keyof T]: Awaited<T[K]> }> {
  const settled = await Promise.allSettled(calls);
  const failed = settled.find((outcome) => outcome.status === "rejected");
  if (failed) throw failed.reason;
  return settled.map((outcome) => (outcome as PromiseFulfilledResult<unknown>).value) as {
    -readonly [K in keyof T]: Awaited<T[K]>;
  };
}
