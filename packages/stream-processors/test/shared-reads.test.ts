import { describe, expect, it } from "vitest";
import { sharedReads } from "../src/shared-reads.js";

/** A read whose answers the test gives, one per call, in order. */
function controlledRead() {
  const calls: Array<{ key: string; answer: (value: string) => void; fail: (error: Error) => void }> = [];
  const read = (key: string) =>
    new Promise<string>((resolve, reject) => calls.push({ key, answer: resolve, fail: reject }));
  return { calls, read };
}

describe("sharedReads", () => {
  it("joins a call to the same read while it is in flight, and reads anew once it settled", async () => {
    const { calls, read } = controlledRead();
    const shared = sharedReads(read, (key) => key);

    const first = shared("ada");
    const joined = shared("ada");
    const other = shared("ben");
    expect(calls.map((call) => call.key)).toEqual(["ada", "ben"]);

    calls[0]!.answer("ada's connections");
    calls[1]!.answer("ben's connections");
    await expect(first).resolves.toBe("ada's connections");
    await expect(joined).resolves.toBe("ada's connections");
    await expect(other).resolves.toBe("ben's connections");

    // Settled: the next call reads again (a later record may need a later answer).
    const later = shared("ada");
    expect(calls).toHaveLength(3);
    calls[2]!.answer("ada's connections, later");
    await expect(later).resolves.toBe("ada's connections, later");
  });

  it("gives a failed read's error to everyone who joined it, and the next call reads again", async () => {
    const { calls, read } = controlledRead();
    const shared = sharedReads(read, (key) => key);
    const first = shared("ada");
    const joined = shared("ada");
    calls[0]!.fail(new Error("throttled"));
    await expect(first).rejects.toThrow("throttled");
    await expect(joined).rejects.toThrow("throttled");

    const retried = shared("ada");
    expect(calls).toHaveLength(2);
    calls[1]!.answer("read");
    await expect(retried).resolves.toBe("read");
  });
});
