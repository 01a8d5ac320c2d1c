import { describe, expect, it } from "vitest";
import {
  ConflictError,
  DatabaseError,
  InvalidInputError,
  ItemTooLargeError,
  ThrottledError,
  toDomainError,
  UnavailableError,
} from "../src/errors.js";

const sdkError = (name: string, extra: Record<string, unknown> = {}, message = name) =>
  Object.assign(new Error(message), { name, ...extra });

describe("toDomainError", () => {
  it("maps a timed-out or unreachable service to Unavailable, which may be retried later", () => {
    for (const original of [
      sdkError("TimeoutError"),
      Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:9"), { code: "ECONNREFUSED" }),
      Object.assign(new Error("socket hang up"), { code: "ECONNRESET" }),
    ]) {
      const mapped = toDomainError(original);
      expect(mapped, original.message).toBeInstanceOf(UnavailableError);
      expect(mapped.retryable).toBe(true);
      expect(mapped.cause).toBe(original);
    }
    expect(toDomainError(sdkError("InternalFailure"))).toBeInstanceOf(DatabaseError);
  });

  it("maps a failed condition to Conflict and keeps the original as cause", () => {
    const original = sdkError("ConditionalCheckFailedException");
    const mapped = toDomainError(original);
    expect(mapped).toBeInstanceOf(ConflictError);
    expect(mapped.cause).toBe(original);
    expect(mapped.retryable).toBe(false);
  });

  it("maps throttling of every flavour to Throttled (retryable)", () => {
    for (const name of [
      "ProvisionedThroughputExceededException",
      "ThrottlingException",
      "RequestLimitExceeded",
    ]) {
      const mapped = toDomainError(sdkError(name));
      expect(mapped).toBeInstanceOf(ThrottledError);
      expect(mapped.retryable).toBe(true);
    }
  });

  it("maps transaction cancellation reasons, lined up with the transaction's items", () => {
    const cancelled = (codes: string[]) =>
      toDomainError(
        sdkError("TransactionCanceledException", { CancellationReasons: codes.map((Code) => ({ Code })) }),
      );
    const condition = cancelled(["None", "ConditionalCheckFailed"]);
    expect(condition).toBeInstanceOf(ConflictError);
    expect((condition as ConflictError).reasons).toEqual([undefined, "ConditionalCheckFailed"]);
    expect(condition.retryable).toBe(false);

    const conflict = cancelled(["TransactionConflict", "None"]);
    expect(conflict).toBeInstanceOf(ConflictError);
    expect((conflict as ConflictError).isTransactionConflict).toBe(true);
    expect(conflict.retryable).toBe(true);

    expect(cancelled(["ThrottlingError"])).toBeInstanceOf(ThrottledError);
    expect(cancelled(["ItemCollectionSizeLimitExceeded"])).toBeInstanceOf(ItemTooLargeError);
    expect(cancelled(["ValidationError"])).toBeInstanceOf(InvalidInputError);
  });

  it("maps a too-large item and other validation errors, and wraps anything else", () => {
    expect(
      toDomainError(sdkError("ValidationException", {}, "Item size has exceeded the maximum allowed size")),
    ).toBeInstanceOf(ItemTooLargeError);
    expect(
      toDomainError(sdkError("ValidationException", {}, "One or more parameter values were invalid")),
    ).toBeInstanceOf(InvalidInputError);
    const odd = new TypeError("socket hang up");
    const wrapped = toDomainError(odd);
    expect(wrapped).toBeInstanceOf(DatabaseError);
    expect(wrapped.cause).toBe(odd);
    expect(wrapped.message).not.toContain("socket");
  });
});
