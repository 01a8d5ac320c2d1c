import {
  AccountDeletedError,
  HearthError,
  isServiceUnavailableError,
  MembershipPendingError,
  MembershipRevokedError,
  type RateLimitedError,
  StaleVersionError,
} from "@hearth/domain";

/** An error that already knows its HTTP answer; its message is shown to the client. */
export class HttpError extends Error {
  override readonly name = "HttpError";
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export const badRequest = (message: string) => new HttpError(400, "INVALID_INPUT", message);
export const unauthorized = (message = "Sign in to continue") => new HttpError(401, "UNAUTHORIZED", message);
export const forbidden = (message: string) => new HttpError(403, "FORBIDDEN", message);
/** An admin may not revoke or delete another admin: they leave the Admins group first. */
export const targetIsAdmin = () =>
  new HttpError(
    403,
    "TARGET_IS_ADMIN",
    "This person is an admin; they leave the Admins group first, or delete their own account",
  );
export const notFound = (message: string) => new HttpError(404, "NOT_FOUND", message);
export const payloadTooLarge = (message: string) => new HttpError(413, "PAYLOAD_TOO_LARGE", message);
export const unsupportedMediaType = (message: string) =>
  new HttpError(415, "UNSUPPORTED_MEDIA_TYPE", message);

export const INTERNAL_ERROR_MESSAGE = "Something went wrong on our side; please try again later";

/** Seconds a throttled client is asked to wait before retrying. */
const RETRY_AFTER_SECONDS = "1";

const serviceUnavailable = () =>
  new HttpError(503, "SERVICE_UNAVAILABLE", "We could not reach our data in time; please try again shortly", {
    "Retry-After": RETRY_AFTER_SECONDS,
  });

/**
 * The client-facing form of an error, or undefined for an unexpected fault (a 500 whose
 * detail belongs in the log only). Domain error messages are written for users; a
 * DatabaseError's is not, and neither is anything that is not a typed error.
 */
export function toHttpError(error: unknown): HttpError | undefined {
  if (error instanceof HttpError) return error;
  // An SDK client that ran out of its time budget outside the repositories (S3, Powertools).
  if (!(error instanceof HearthError))
    return isServiceUnavailableError(error) ? serviceUnavailable() : undefined;
  switch (error.code) {
    case "INVALID_INPUT":
      return new HttpError(400, "INVALID_INPUT", error.message);
    case "FORBIDDEN":
      // A frontend shows people waiting for approval their own screen, told apart by the code.
      return new HttpError(
        403,
        error instanceof MembershipPendingError
          ? "MEMBERSHIP_PENDING"
          : error instanceof MembershipRevokedError
            ? "MEMBERSHIP_REVOKED"
            : error instanceof AccountDeletedError
              ? "ACCOUNT_DELETED"
              : "FORBIDDEN",
        error.message,
      );
    case "NOT_FOUND":
      return new HttpError(404, "NOT_FOUND", error.message);
    case "CONFLICT":
      // A stale If-Match is the client's own precondition, worth telling it in words; other
      // conflicts are races the domain already retried.
      return new HttpError(
        409,
        "CONFLICT",
        error instanceof StaleVersionError
          ? error.message
          : "The data changed while we were saving it; please try again",
      );
    case "ITEM_TOO_LARGE":
      return new HttpError(413, "PAYLOAD_TOO_LARGE", "That is more than can be stored in one item");
    case "THROTTLED":
      return new HttpError(429, "TOO_MANY_REQUESTS", "We are busy right now; please try again shortly", {
        "Retry-After": RETRY_AFTER_SECONDS,
      });
    case "RATE_LIMITED":
      return new HttpError(429, "RATE_LIMITED", error.message, {
        "Retry-After": String((error as RateLimitedError).retryAfterSeconds),
      });
    case "UNAVAILABLE":
      return serviceUnavailable();
    case "DATABASE_ERROR":
      return undefined;
  }
}
