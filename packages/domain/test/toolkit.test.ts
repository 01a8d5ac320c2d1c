import { describe, expect, it } from "vitest";
import { CursorCodec } from "../src/dynamo/cursor.js";
import { assertItemFits, itemSizeBytes, MAX_ITEM_BYTES } from "../src/dynamo/item-size.js";
import { firstFailureOf } from "../src/dynamo/parallel.js";
import { isExpired, toEpochSeconds, ttlAfter } from "../src/dynamo/ttl.js";
import { buildUpdateExpression } from "../src/dynamo/update-expression.js";
import { InvalidInputError, ItemTooLargeError } from "../src/errors.js";

describe("update expression builder", () => {
  it("combines SET, if_not_exists, ADD and REMOVE with placeholders for every name and value", () => {
    const parts = buildUpdateExpression({
      set: { displayName: "Ann", skipped: undefined },
      setIfNotExists: { createdAt: "2024-01-01T00:00:00.000Z" },
      add: { commentCount: 1 },
      remove: ["lastEmailedAt_comment"],
    });
    expect(parts.UpdateExpression).toBe(
      "SET #u0 = :u0, #u1 = if_not_exists(#u1, :u1) ADD #u2 :u2 REMOVE #u3",
    );
    expect(parts.ExpressionAttributeNames).toEqual({
      "#u0": "displayName",
      "#u1": "createdAt",
      "#u2": "commentCount",
      "#u3": "lastEmailedAt_comment",
    });
    expect(parts.ExpressionAttributeValues).toEqual({
      ":u0": "Ann",
      ":u1": "2024-01-01T00:00:00.000Z",
      ":u2": 1,
    });
  });

  it("refuses an empty update", () => {
    expect(() => buildUpdateExpression({ set: { a: undefined } })).toThrow();
  });
});

describe("item size guard", () => {
  it("counts attribute names and UTF-8 bytes of values", () => {
    expect(itemSizeBytes({ ab: "xyz" })).toBe(5);
    expect(itemSizeBytes({ a: "é" })).toBe(3);
    expect(itemSizeBytes({ flag: true })).toBe(5);
  });

  it("throws ItemTooLarge before a write that would exceed 400 KB", () => {
    expect(() => assertItemFits({ text: "x".repeat(MAX_ITEM_BYTES) })).toThrow(ItemTooLargeError);
    expect(() => assertItemFits({ text: "x".repeat(MAX_ITEM_BYTES - 100) })).not.toThrow();
  });
});

describe("TTL helpers", () => {
  it("work in epoch seconds and treat expired or missing records as absent", () => {
    const now = new Date("2026-01-01T00:00:00Z");
    expect(toEpochSeconds(now)).toBe(1767225600);
    expect(ttlAfter(60, now)).toBe(1767225660);
    expect(isExpired({ expiration: 1767225599 }, "expiration", now)).toBe(true);
    expect(isExpired({ expiration: 1767225601 }, "expiration", now)).toBe(false);
    expect(isExpired(undefined, "expiration", now)).toBe(true);
    expect(isExpired({}, "expiration", now)).toBe(false);
  });
});

describe("cursor codec", () => {
  const codec = new CursorCodec("a-secret-of-sufficient-length");
  const key = { itemId: "/2015/christmas", commentId: "01J0000000000000000000000" };

  it("round-trips a key within its scope", () => {
    const cursor = codec.encode("scope-a", key);
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    expect(codec.decode("scope-a", cursor, ["itemId", "commentId"])).toEqual(key);
  });

  it("rejects a cursor from another scope, a tampered one, garbage, and one with unexpected keys", () => {
    const cursor = codec.encode("scope-a", key);
    expect(() => codec.decode("scope-b", cursor, ["itemId", "commentId"])).toThrow(InvalidInputError);
    const [payload, signature] = cursor.split(".");
    const forged = Buffer.from(JSON.stringify({ ...key, itemId: "/other" })).toString("base64url");
    expect(() => codec.decode("scope-a", `${forged}.${signature}`, ["itemId", "commentId"])).toThrow(
      InvalidInputError,
    );
    expect(() => codec.decode("scope-a", `${payload}.${signature}x`, ["itemId", "commentId"])).toThrow(
      InvalidInputError,
    );
    expect(() => codec.decode("scope-a", "not-a-cursor", ["itemId", "commentId"])).toThrow(InvalidInputError);
    expect(() => codec.decode("scope-a", cursor, ["itemId"])).toThrow(InvalidInputError);
    expect(() =>
      new CursorCodec("a-secret-of-sufficient-length-2").decode("scope-a", cursor, ["itemId", "commentId"]),
    ).toThrow(InvalidInputError);
  });
});

describe("cursor codec during a key rotation", () => {
  const oldSecret = "the-previous-cursor-secret-0001";
  const newSecret = "the-current-cursor-secret-00002";
  const attributes = ["itemId", "commentId"];
  const key = { itemId: "/2015/christmas", commentId: "01J0000000000000000000000" };

  it("verifies a cursor signed with the previous key and signs new cursors with the current one", () => {
    const beforeRotation = new CursorCodec(oldSecret).encode("scope-a", key);
    const rotated = new CursorCodec({ current: newSecret, previous: [oldSecret] });
    expect(rotated.decode("scope-a", beforeRotation, attributes)).toEqual(key);
    const afterRotation = rotated.encode("scope-a", key);
    expect(afterRotation).not.toBe(beforeRotation);
    expect(new CursorCodec(newSecret).decode("scope-a", afterRotation, attributes)).toEqual(key);
    expect(() => new CursorCodec(oldSecret).decode("scope-a", afterRotation, attributes)).toThrow(
      InvalidInputError,
    );
  });

  it("rejects a tampered cursor under every key, and one signed by a key that is no longer kept", () => {
    const rotated = new CursorCodec({ current: newSecret, previous: [oldSecret] });
    const [, signature] = new CursorCodec(oldSecret).encode("scope-a", key).split(".");
    const forged = Buffer.from(JSON.stringify({ ...key, itemId: "/other" })).toString("base64url");
    expect(() => rotated.decode("scope-a", `${forged}.${signature}`, attributes)).toThrow(InvalidInputError);
    const retired = new CursorCodec("a-retired-cursor-secret-000003").encode("scope-a", key);
    expect(() => rotated.decode("scope-a", retired, attributes)).toThrow(InvalidInputError);
  });

  it("takes new keys at runtime, and refuses to work before it has any", () => {
    const codec = new CursorCodec();
    expect(() => codec.encode("scope-a", key)).toThrow(/not loaded/);
    codec.useKeys({ current: oldSecret });
    const cursor = codec.encode("scope-a", key);
    codec.useKeys({ current: newSecret, previous: [oldSecret] });
    expect(codec.decode("scope-a", cursor, attributes)).toEqual(key);
    codec.useKeys({ current: newSecret });
    expect(() => codec.decode("scope-a", cursor, attributes)).toThrow(InvalidInputError);
    expect(() => codec.useKeys({ current: newSecret, previous: ["short"] })).toThrow(/at least 16/);
  });
});

describe("firstFailureOf", () => {
  it("waits for every call and throws the failure of the first in the list, whatever failed first", async () => {
    const late = new Promise<never>((_, reject) => setTimeout(() => reject(new Error("first, late")), 20));
    const early = Promise.reject(new Error("second, early"));
    let finished = false;
    const slow = new Promise<number>((resolve) =>
      setTimeout(() => {
        finished = true;
        resolve(1);
      }, 40),
    );
    await expect(firstFailureOf([late, early, slow])).rejects.toThrow("first, late");
    // Nothing is left running behind the answer.
    expect(finished).toBe(true);
    expect(await firstFailureOf([Promise.resolve("a"), Promise.resolve(2)])).toEqual(["a", 2]);
  });
});
