import { StandardRetryStrategy } from "@smithy/core/retry";

type Standard = StandardRetryStrategy;
type RetryToken = Awaited<ReturnType<Standard["acquireInitialRetryToken"]>>;
type RetryErrorInfo = Parameters<Standard["refreshRetryTokenForRetry"]>[1];

/** Socket errors raised before a request could be written: the service never saw it. */
const NOT_CONNECTED_CODES = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
]);

/**
 * Whether a failed call may have reached the service and taken effect: false only when it
 * certainly did not, because the service answered with an error (it refuses a request as a
 * whole) or no connection was ever made. A request timeout or a connection dropped mid-way
 * is uncertain: the service may have acted on it and still be answering.
 */
export function mayHaveReachedService(error: unknown): boolean {
  if (typeof error !== "object" || error === null) return true;
  const { $fault, $metadata, code, name, message } = error as {
    $fault?: string;
    $metadata?: { httpStatusCode?: number };
    code?: string;
    name?: string;
    message?: string;
  };
  // A service exception: the service answered (and refused the request as a whole).
  if ($fault === "client" || $fault === "server" || $metadata?.httpStatusCode !== undefined) return false;
  if (code && NOT_CONNECTED_CODES.has(code)) return false;
  // The HTTP handler's connection timeout: the socket never connected, nothing was sent.
  if (name === "TimeoutError" && message?.includes("did not establish a connection")) return false;
  return true;
}

/**
 * The SDK's standard retries (back-off, retry quota), except that a call that may have
 * reached the service is never repeated: for a call that is not idempotent, such as sending
 * an email, where a second attempt while the service still works on the first would act twice.
 */
export class SendOnceRetryStrategy
  implements
    Pick<
      Standard,
      keyof Standard & ("acquireInitialRetryToken" | "refreshRetryTokenForRetry" | "recordSuccess")
    >
{
  private readonly standard: StandardRetryStrategy;

  constructor(maxAttempts: number) {
    this.standard = new StandardRetryStrategy(maxAttempts);
  }

  acquireInitialRetryToken(retryTokenScope: string): Promise<RetryToken> {
    return this.standard.acquireInitialRetryToken(retryTokenScope);
  }

  refreshRetryTokenForRetry(token: RetryToken, errorInfo: RetryErrorInfo): Promise<RetryToken> {
    if (mayHaveReachedService(errorInfo.error)) {
      // The SDK answers a refused retry with the call's own error.
      return Promise.reject(
        errorInfo.error ?? new Error("Not retried: the request may have reached the service"),
      );
    }
    return this.standard.refreshRetryTokenForRetry(token, errorInfo);
  }

  recordSuccess(token: RetryToken): void {
    this.standard.recordSuccess(token);
  }
}
