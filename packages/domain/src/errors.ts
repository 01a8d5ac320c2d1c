import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import { unmarshall } from "@aws-sdk/util-dynamodb";

/**
 * Typed domain errors. DynamoDB and validation failures are turned into these before
 * they reach a handler, so the HTTP layer can map them to status codes without ever
 * seeing an SDK error.
 */
export type HearthErrorCode =
  | "NOT_FOUND"
  | "CONFLICT"
  | "THROTTLED"
  | "ITEM_TOO_LARGE"
  | "INVALID_INPUT"
  | "FORBIDDEN"
  | "UNAVAILABLE"
  | "RATE_LIMITED"
  | "DATABASE_ERROR";

/**
 * A setting the function was started with is missing, malformed or unsafe (a local endpoint
 * in production). Thrown while building dependencies, so a bad deployment fails at startup
 * with a message naming the setting, not on the first request.
 */
export class ConfigurationError extends Error {
  override readonly name = "ConfigurationError";
}

export abstract class HearthError extends Error {
  abstract readonly code: HearthErrorCode;
  /** Whether retrying the same call later may succeed. */
  get retryable(): boolean {
    return false;
  }
}

export class NotFoundError extends HearthError {
  readonly code = "NOT_FOUND";
  override readonly name = "NotFoundError";
}

/** A condition on a write did not hold (the item changed, exists already, or is gone). */
export class ConflictError extends HearthError {
  readonly code = "CONFLICT";
  override readonly name: string = "ConflictError";
  constructor(
    message: string,
    readonly reasons: readonly (string | undefined)[] = [],
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
  /** True when the conflict was another transaction in flight, not a failed condition. */
  get isTransactionConflict(): boolean {
    return this.reasons.includes("TransactionConflict");
  }
  override get retryable(): boolean {
    return this.isTransactionConflict;
  }
}

/**
 * The caller changed something on the strength of a version that is no longer current (an
 * `If-Match` that no longer matches). Not retried: the caller has to look at the new version.
 */
export class StaleVersionError extends ConflictError {
  override readonly name = "StaleVersionError";
  constructor(message: string, options?: ErrorOptions) {
    super(message, ["StaleVersion"], options);
  }
}

export class ThrottledError extends HearthError {
  readonly code = "THROTTLED";
  override readonly name = "ThrottledError";
  override get retryable(): boolean {
    return true;
  }
}

export class ItemTooLargeError extends HearthError {
  readonly code = "ITEM_TOO_LARGE";
  override readonly name = "ItemTooLargeError";
}

export class InvalidInputError extends HearthError {
  readonly code = "INVALID_INPUT";
  override readonly name = "InvalidInputError";
  constructor(
    message: string,
    readonly issues: readonly { path: string; message: string }[] = [],
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

export class ForbiddenError extends HearthError {
  readonly code = "FORBIDDEN";
  override readonly name: string = "ForbiddenError";
}

/** A signed-in person an admin has not approved yet: a frontend shows them the waiting screen. */
export class MembershipPendingError extends ForbiddenError {
  override readonly name = "MembershipPendingError";
  constructor(message = "Your membership of the family archive is awaiting approval by an admin") {
    super(message);
  }
}

/**
 * A token issued before its holder was revoked, taken out of the groups or deleted: refused
 * on every member route and at the WebSocket handshake even though it has not expired.
 */
export class MembershipRevokedError extends ForbiddenError {
  override readonly name = "MembershipRevokedError";
  constructor(message = "Your membership of the family archive has ended; sign in again or ask an admin") {
    super(message);
  }
}

/**
 * The account was deleted: its tombstone refuses every write that would bring a profile
 * back (an unexpired token, a late sign-in), so nothing recreates a deleted member.
 */
export class AccountDeletedError extends ForbiddenError {
  override readonly name = "AccountDeletedError";
  constructor(message = "This account has been deleted") {
    super(message);
  }
}

/** The database did not answer in time or could not be reached; a later retry may succeed. */
export class UnavailableError extends HearthError {
  readonly code = "UNAVAILABLE";
  override readonly name = "UnavailableError";
  override get retryable(): boolean {
    return true;
  }
}

/** The member used up a rate limit's window; `retryAfterSeconds` is the time until the window ends. */
export class RateLimitedError extends HearthError {
  readonly code = "RATE_LIMITED";
  override readonly name = "RateLimitedError";
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
  override get retryable(): boolean {
    return true;
  }
}

/** Anything else that went wrong in the database; the original error is kept as `cause`. */
export class DatabaseError extends HearthError {
  readonly code = "DATABASE_ERROR";
  override readonly name = "DatabaseError";
}

const THROTTLING_NAMES = new Set([
  "ProvisionedThroughputExceededException",
  "ThrottlingException",
  "RequestLimitExceeded",
  "Throttling",
  "TooManyRequestsException",
]);

/** What the SDK's HTTP handler throws when a connection or request timeout runs out. */
const TIMEOUT_NAMES = new Set(["TimeoutError", "RequestTimeout", "RequestTimeoutException"]);
/** Socket errors of an endpoint that is down or unreachable. */
const NETWORK_ERROR_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ECONNABORTED",
  "ETIMEDOUT",
  "EPIPE",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
]);

/**
 * Whether an AWS SDK call failed because the service was out of reach: a timeout of the
 * HTTP handler, a socket error, or the service saying it is unavailable. The SDK retries
 * these within its budget; what is thrown after that is a 503, not a fault of the code.
 */
export function isServiceUnavailableError(error: unknown): boolean {
  const name = errorName(error);
  if (name && (TIMEOUT_NAMES.has(name) || name === "ServiceUnavailable")) return true;
  const code = typeof error === "object" && error !== null ? (error as { code?: unknown }).code : undefined;
  return typeof code === "string" && NETWORK_ERROR_CODES.has(code);
}

function errorName(error: unknown): string | undefined {
  if (typeof error === "object" && error !== null && "name" in error) {
    const name = (error as { name: unknown }).name;
    return typeof name === "string" ? name : undefined;
  }
  return undefined;
}

/** Maps a cancellation reason code of TransactWriteItems to the domain error it stands for. */
function fromCancellationReasons(error: unknown, reasons: (string | undefined)[]): HearthError {
  if (reasons.some((r) => r === "ThrottlingError" || r === "ProvisionedThroughputExceeded")) {
    return new ThrottledError("The database is busy; try again shortly", { cause: error });
  }
  if (reasons.includes("ItemCollectionSizeLimitExceeded")) {
    return new ItemTooLargeError("The item collection is too large", { cause: error });
  }
  if (reasons.includes("ValidationError")) {
    return new InvalidInputError("The write was rejected as invalid", [], { cause: error });
  }
  if (reasons.includes("TransactionConflict")) {
    return new ConflictError("Another change to the same data was in progress", reasons, { cause: error });
  }
  if (reasons.includes("ConditionalCheckFailed")) {
    return new ConflictError("A condition on the write did not hold", reasons, { cause: error });
  }
  return new DatabaseError("The transaction was cancelled", { cause: error });
}

/**
 * The item as it was when a write's condition failed, for a write sent with
 * `ReturnValuesOnConditionCheckFailure: "ALL_OLD"`; undefined for any other error or when the
 * item did not exist. Saves reading it again before a retry.
 */
export function itemAtConditionFailure(error: unknown): Record<string, unknown> | undefined {
  if (errorName(error) !== "ConditionalCheckFailedException") return undefined;
  const item = (error as { Item?: Record<string, AttributeValue> }).Item;
  return item ? unmarshall(item) : undefined;
}

/** Turns any error thrown by the DynamoDB client into a typed domain error. */
export function toDomainError(error: unknown): HearthError {
  if (error instanceof HearthError) return error;
  const name = errorName(error);
  if (name === "ConditionalCheckFailedException") {
    return new ConflictError("A condition on the write did not hold", ["ConditionalCheckFailed"], {
      cause: error,
    });
  }
  if (name === "TransactionCanceledException") {
    const reasons = ((error as { CancellationReasons?: { Code?: string }[] }).CancellationReasons ?? []).map(
      (r) => (r.Code === "None" ? undefined : r.Code),
    );
    return fromCancellationReasons(error, reasons);
  }
  if (name === "TransactionConflictException") {
    return new ConflictError("Another change to the same data was in progress", ["TransactionConflict"], {
      cause: error,
    });
  }
  if (name && THROTTLING_NAMES.has(name)) {
    return new ThrottledError("The database is busy; try again shortly", { cause: error });
  }
  if (name === "ItemCollectionSizeLimitExceededException") {
    return new ItemTooLargeError("The item collection is too large", { cause: error });
  }
  if (name === "ValidationException") {
    const message = error instanceof Error ? error.message : "";
    if (/item size .*exceeded|size has exceeded/i.test(message)) {
      return new ItemTooLargeError("The item is larger than DynamoDB allows", { cause: error });
    }
    return new InvalidInputError("The request was rejected as invalid", [], { cause: error });
  }
  if (name === "ResourceNotFoundException") {
    return new DatabaseError("A table is missing", { cause: error });
  }
  if (isServiceUnavailableError(error)) {
    return new UnavailableError("The database did not answer in time", { cause: error });
  }
  return new DatabaseError("The database call failed", { cause: error });
}
