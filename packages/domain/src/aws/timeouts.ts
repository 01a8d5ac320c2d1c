import { NodeHttpHandler } from "@smithy/node-http-handler";
import { ConfigurationError } from "../errors.js";
import { SendOnceRetryStrategy } from "./send-once.js";

/**
 * The environment variable through which a function learns its own timeout (Lambda does not
 * expose it as a setting). Infra sets it from the function's configured timeout and the
 * local stack from the same constants, so every SDK client's budget follows that timeout.
 */
export const FUNCTION_TIMEOUT_ENV = "FUNCTION_TIMEOUT_SECONDS";
/** Assumed when nothing says otherwise: the API functions' timeout, the shortest there is. */
export const DEFAULT_FUNCTION_TIMEOUT_SECONDS = 10;

/** Attempts per SDK call (the first plus two retries), as the SDK's standard strategy counts them. */
export const SDK_MAX_ATTEMPTS = 3;
/** The longest a single attempt may wait for an answer, however long the function may run. */
const MAX_REQUEST_TIMEOUT_MS = 5000;
const MAX_CONNECTION_TIMEOUT_MS = 1000;
/** Kept free at the end of the function's time to log and answer (at least this much). */
const MIN_ANSWER_RESERVE_MS = 1000;
const ANSWER_RESERVE_FRACTION = 0.15;
/** Upper bound of the standard strategy's back-off between three attempts (≤ 100 + 200 ms, jittered). */
const RETRY_DELAY_ALLOWANCE_MS = 500;
/** Below this a function has no time for one SDK call and an answer. */
const MIN_FUNCTION_TIMEOUT_SECONDS = 3;

export interface SdkTimeouts {
  /** Time to open the TCP (and TLS) connection, per attempt. */
  connectionTimeoutMs: number;
  /** Time a request may wait on a silent socket, per attempt. */
  requestTimeoutMs: number;
  maxAttempts: number;
}

/**
 * SDK timeouts for a function that may run `functionTimeoutSeconds`: every attempt of one
 * call, with the back-off between them, ends before the function's time does, leaving at
 * least the answer reserve, so a stalled service gives a clean error instead of a hang.
 */
export function sdkTimeoutsFor(functionTimeoutSeconds: number): SdkTimeouts {
  if (!Number.isFinite(functionTimeoutSeconds) || functionTimeoutSeconds < MIN_FUNCTION_TIMEOUT_SECONDS) {
    throw new ConfigurationError(
      `A function timeout must be at least ${MIN_FUNCTION_TIMEOUT_SECONDS} seconds, not ${functionTimeoutSeconds}`,
    );
  }
  const timeoutMs = functionTimeoutSeconds * 1000;
  const reserveMs = Math.max(MIN_ANSWER_RESERVE_MS, timeoutMs * ANSWER_RESERVE_FRACTION);
  const perAttemptMs = Math.floor((timeoutMs - reserveMs - RETRY_DELAY_ALLOWANCE_MS) / SDK_MAX_ATTEMPTS);
  const requestTimeoutMs = Math.min(MAX_REQUEST_TIMEOUT_MS, perAttemptMs);
  return {
    connectionTimeoutMs: Math.min(MAX_CONNECTION_TIMEOUT_MS, requestTimeoutMs),
    requestTimeoutMs,
    maxAttempts: SDK_MAX_ATTEMPTS,
  };
}

/** An email send may wait this long for SES's answer: it is not repeated once SES may have it. */
const MAX_EMAIL_SEND_TIMEOUT_MS = 45_000;

/**
 * SDK timeouts for sending email from a function that may run `functionTimeoutSeconds`. A
 * send that may have reached SES is never repeated (see `SendOnceRetryStrategy`), so instead
 * of several short attempts it gets one long wait for SES's answer: in a 60 s processor,
 * 45 s, enough to ride out SES answering late without a second email. Only attempts that
 * never connected are retried, so the time left after the reserve goes to them and the wait.
 */
export function emailSendTimeoutsFor(functionTimeoutSeconds: number): SdkTimeouts {
  const { connectionTimeoutMs, maxAttempts } = sdkTimeoutsFor(functionTimeoutSeconds);
  const timeoutMs = functionTimeoutSeconds * 1000;
  const reserveMs = Math.max(MIN_ANSWER_RESERVE_MS, timeoutMs * ANSWER_RESERVE_FRACTION);
  const waitMs = timeoutMs - reserveMs - RETRY_DELAY_ALLOWANCE_MS - maxAttempts * connectionTimeoutMs;
  return {
    connectionTimeoutMs,
    requestTimeoutMs: Math.min(MAX_EMAIL_SEND_TIMEOUT_MS, Math.floor(waitMs)),
    maxAttempts,
  };
}

/** The function's timeout from `FUNCTION_TIMEOUT_SECONDS`; the default when unset. */
export function functionTimeoutFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env[FUNCTION_TIMEOUT_ENV]?.trim();
  if (!raw) return DEFAULT_FUNCTION_TIMEOUT_SECONDS;
  const seconds = Number(raw);
  if (!Number.isFinite(seconds) || seconds <= 0) {
    throw new ConfigurationError(`${FUNCTION_TIMEOUT_ENV} must be a number of seconds, not "${raw}"`);
  }
  return seconds;
}

/** The options every SDK client of a function gets: an HTTP handler with its timeouts and the retry budget. */
export function sdkClientTimeouts(functionTimeoutSeconds = DEFAULT_FUNCTION_TIMEOUT_SECONDS): {
  requestHandler: NodeHttpHandler;
  maxAttempts: number;
} {
  return clientOptionsOf(sdkTimeoutsFor(functionTimeoutSeconds));
}

/** The options of an email-sending (SESv2) client: one long wait, and no retry of a send SES may have. */
export function emailSendClientTimeouts(functionTimeoutSeconds = DEFAULT_FUNCTION_TIMEOUT_SECONDS): {
  requestHandler: NodeHttpHandler;
  maxAttempts: number;
  retryStrategy: SendOnceRetryStrategy;
} {
  const timeouts = emailSendTimeoutsFor(functionTimeoutSeconds);
  return { ...clientOptionsOf(timeouts), retryStrategy: new SendOnceRetryStrategy(timeouts.maxAttempts) };
}

function clientOptionsOf(timeouts: SdkTimeouts): { requestHandler: NodeHttpHandler; maxAttempts: number } {
  return {
    requestHandler: new NodeHttpHandler({
      connectionTimeout: timeouts.connectionTimeoutMs,
      requestTimeout: timeouts.requestTimeoutMs,
      // Without it the handler only logs a warning when the request timeout passes and waits on.
      throwOnRequestTimeout: true,
    }),
    maxAttempts: timeouts.maxAttempts,
  };
}
