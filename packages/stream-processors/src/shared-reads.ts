/**
 * A read that the records of one batch share while it is in flight: a batch runs its records at
 * once, and many of them ask the same thing at the same moment (the open connections and the
 * unread count of the member five new feed entries are for). A call made while the same read is
 * in flight joins it; nothing is kept once it settles. In Lambda an instance runs one invocation
 * at a time, so a joined read began within the record's own invocation, after its write. The
 * local stack runs one instance for all of a processor's subscriptions at once, so a read may
 * join one another subscription began a moment earlier: share only reads that do not depend on
 * the record's own write, or that only that record's subscription asks.
 */
export function sharedReads<Args extends unknown[], Result>(
  read: (...args: Args) => Promise<Result>,
  keyOf: (...args: Args) => string,
): (...args: Args) => Promise<Result> {
  const inFlight = new Map<string, Promise<Result>>();
  return (...args) => {
    const key = keyOf(...args);
    const pending = inFlight.get(key);
    if (pending) return pending;
    const started = read(...args).finally(() => inFlight.delete(key));
    inFlight.set(key, started);
    return started;
  };
}
