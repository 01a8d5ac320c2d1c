import { describe, expect, it } from "vitest";
import { writesAfter } from "../src/dynamo/write-gate.js";
import { RateLimitedError } from "../src/errors.js";
import { createRepositories } from "../src/repositories/index.js";
import { useTestDatabase } from "./helpers.js";

const db = useTestDatabase("writegate");

describe("writes after a gate", () => {
  it("read at once but write only once the gate opens", async () => {
    const { profiles } = createRepositories(db());
    let open = () => {};
    const gate = new Promise<void>((resolve) => {
      open = resolve;
    });
    const work = writesAfter(gate, async () => {
      const before = await profiles.get("user-gated");
      await profiles.ensureOnSignIn("user-gated", {
        displayName: "Gated",
        email: "gated@example.org",
        isMember: true,
      });
      return before;
    });
    // The read has answered and the write waits: nothing is stored yet.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await profiles.get("user-gated")).toBeNull();
    open();
    expect(await work).toBeNull();
    expect(await profiles.get("user-gated")).not.toBeNull();
  });

  it("write nothing when the gate refuses, failing with its error", async () => {
    const repositories = createRepositories(db());
    const refusal = new RateLimitedError("Too many comments requests; try again in 5 seconds", 5);
    const work = writesAfter(Promise.reject(refusal), async () => {
      await repositories.profiles.ensureOnSignIn("user-refused", {
        displayName: "Refused",
        email: "refused@example.org",
        isMember: true,
      });
    });
    await expect(work).rejects.toBe(refusal);
    expect(await repositories.profiles.get("user-refused")).toBeNull();
  });
});
