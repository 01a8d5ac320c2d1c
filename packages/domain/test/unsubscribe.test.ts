import { describe, expect, it } from "vitest";
import { CursorCodec, InvalidInputError, UNSUBSCRIBE_TOKEN_DAYS, UnsubscribeTokens } from "../src/index.js";

const SECRET = "the-cursor-secret-of-these-tests";
const NOW = new Date("2026-12-02T06:00:00Z");
const DAY_MS = 24 * 60 * 60 * 1000;
const tokens = new UnsubscribeTokens(SECRET);

/** The token with its payload replaced by `claim` (the signature left as it was). */
function withPayload(token: string, claim: Record<string, unknown>): string {
  const signature = token.split(".")[1];
  return `${Buffer.from(JSON.stringify(claim)).toString("base64url")}.${signature}`;
}

describe("unsubscribe tokens", () => {
  it("say whose email and which kind, until they expire", () => {
    const token = tokens.issue("user-ann", "comment", NOW);
    expect(token).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    const claim = tokens.verify(token, new Date(NOW.getTime() + DAY_MS));
    expect(claim.userId).toBe("user-ann");
    expect(claim.kind).toBe("comment");
    expect(claim.expiresAt.getTime()).toBe(NOW.getTime() + UNSUBSCRIBE_TOKEN_DAYS * DAY_MS);
  });

  it("refuse an expired token", () => {
    const token = tokens.issue("user-ann", "reaction", NOW, 90);
    expect(tokens.verify(token, new Date(NOW.getTime() + 90 * DAY_MS - 1000)).kind).toBe("reaction");
    expect(() => tokens.verify(token, new Date(NOW.getTime() + 90 * DAY_MS))).toThrow(InvalidInputError);
  });

  it("refuse a token whose user, kind or expiry was changed", () => {
    const token = tokens.issue("user-ann", "comment", NOW);
    const claim = JSON.parse(Buffer.from(token.split(".")[0] as string, "base64url").toString());
    for (const forged of [
      withPayload(token, { ...claim, u: "user-bob" }),
      withPayload(token, { ...claim, k: "message" }),
      withPayload(token, { ...claim, e: claim.e + 365 * 24 * 60 * 60 }),
    ]) {
      expect(() => tokens.verify(forged, NOW)).toThrow(InvalidInputError);
    }
  });

  it("refuse tampered, truncated and malformed tokens with a message that says what to do", () => {
    const token = tokens.issue("user-ann", "message", NOW);
    const [payload, signature] = token.split(".") as [string, string];
    const flipped = `${signature.slice(0, -1)}${signature.endsWith("A") ? "B" : "A"}`;
    for (const bad of [
      `${payload}.${flipped}`,
      `${payload}.${signature.slice(0, -2)}`,
      payload,
      `${token}.extra`,
      "",
      "not a token",
      `${"x".repeat(2000)}.${signature}`,
    ]) {
      expect(() => tokens.verify(bad, NOW)).toThrow(/not valid.*settings/);
    }
  });

  it("refuse a token signed with another secret, or a cursor signature", () => {
    const other = new UnsubscribeTokens("another-cursor-secret-entirely");
    expect(() => tokens.verify(other.issue("user-ann", "comment", NOW), NOW)).toThrow(InvalidInputError);
    // The same secret signs cursors: a cursor's signature is no token's (the keys differ).
    const cursor = new CursorCodec(SECRET).encode("Comments", { u: "user-ann" });
    expect(() => tokens.verify(cursor, NOW)).toThrow(InvalidInputError);
  });

  it("still verify tokens of the previous secret after a rotation, and sign with the new one", () => {
    const before = tokens.issue("user-ann", "comment", NOW);
    const rotated = new UnsubscribeTokens({ current: "the-rotated-cursor-secret-0000", previous: [SECRET] });
    expect(rotated.verify(before, NOW).userId).toBe("user-ann");
    const after = rotated.issue("user-ann", "comment", NOW);
    expect(() => tokens.verify(after, NOW)).toThrow(InvalidInputError);
  });

  it("refuse to work before keys are loaded", () => {
    expect(() => new UnsubscribeTokens().issue("user-ann", "comment", NOW)).toThrow(/not loaded/);
    expect(() => new UnsubscribeTokens().verify("a.b", NOW)).toThrow(/not loaded/);
  });
});
