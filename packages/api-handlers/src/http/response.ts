import type { APIGatewayProxyResult } from "aws-lambda";

/** What API Gateway must let browsers send and call; infra's preflight answers use the same lists. */
export const CORS_ALLOWED_HEADERS = ["Authorization", "Content-Type", "Idempotency-Key", "If-Match"] as const;
export const CORS_ALLOWED_METHODS = ["GET", "POST", "PUT", "DELETE", "OPTIONS"] as const;
/** How long browsers may cache a preflight answer (the deployed API and the local gateway alike). */
export const CORS_MAX_AGE_SECONDS = 3600;

/**
 * CORS headers for one response. A listed origin is echoed back; any other origin gets the
 * first listed one (so browsers block it) and `*` in the list allows every origin. `Vary`
 * keeps caches from handing one origin's answer to another.
 */
export function corsHeaders(
  requestOrigin: string | undefined,
  allowedOrigins: readonly string[],
): Record<string, string> {
  const headers: Record<string, string> = {
    "Access-Control-Allow-Headers": CORS_ALLOWED_HEADERS.join(","),
    "Access-Control-Allow-Methods": CORS_ALLOWED_METHODS.join(","),
    Vary: "Origin",
  };
  let allowOrigin: string | undefined;
  if (allowedOrigins.includes("*")) allowOrigin = "*";
  else if (requestOrigin && allowedOrigins.includes(requestOrigin)) allowOrigin = requestOrigin;
  else allowOrigin = allowedOrigins[0];
  if (allowOrigin) headers["Access-Control-Allow-Origin"] = allowOrigin;
  return headers;
}

/**
 * JSON with `<`, `>` and `&` escaped: the same value to any JSON parser, but never markup
 * if a response is ever embedded in or sniffed as HTML.
 */
function toSafeJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, "\\u003c").replace(/>/g, "\\u003e").replace(/&/g, "\\u0026");
}

export function jsonResponse(
  statusCode: number,
  body: unknown,
  headers: Record<string, string>,
): APIGatewayProxyResult {
  return {
    statusCode,
    headers: {
      "Content-Type": "application/json; charset=utf-8",
      "Cache-Control": "no-store",
      "X-Content-Type-Options": "nosniff",
      ...headers,
    },
    body: toSafeJson(body),
  };
}

export function errorBody(code: string, message: string) {
  return { error: { code, message } };
}

/**
 * An HTML page: nothing from another origin may load, run, frame it or be posted to, and
 * nothing is cached (the page is about one signed link).
 */
export function htmlResponse(
  statusCode: number,
  page: string,
  headers: Record<string, string>,
): APIGatewayProxyResult {
  return {
    statusCode,
    headers: {
      "Content-Type": "text/html; charset=utf-8",
      "Cache-Control": "no-store",
      "X-Content-Type-Options": "nosniff",
      "Content-Security-Policy":
        "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
      "Referrer-Policy": "no-referrer",
      ...headers,
    },
    body: page,
  };
}
