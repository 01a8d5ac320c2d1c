/**
 * A read that the records of one batch share while it is in flight: a batch runs its records at
 * once, and many of them ask the same thing at the same moment (the open connections and the
 * unread count of the member five new feed entries are for). A call made while the same read is
 * in flight joins it; nothing is kept once it settles, so no record is answered with what was
 * read before its invocation began (its write, which the stream reported, is in every such read).
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
