import {
  createIdTokenVerifier as createTokenVerifier,
  type IdTokenVerifierOptions,
} from "@hearth/api-handlers";
import type { JwtPayload } from "aws-jwt-verify/jwt-model";

// The local gateway checks tokens with the realtime authorizer's verifier (one implementation
// of Cognito's checks); what it adds is the REST authorizer's shape: the token from the
// `Authorization` header and the claims flattened to strings.

export type { IdTokenVerifierOptions };

export type Verification =
  | { ok: true; claims: Record<string, string> }
  | { ok: false; reason: "missing" | "invalid" | "expired" };

/** The token from an `Authorization` header, with or without the `Bearer ` scheme. */
export function tokenFromHeader(header: string | undefined): string | undefined {
  const value = header?.trim();
  if (!value) return undefined;
  const match = /^Bearer(?:\s+(.*))?$/i.exec(value);
  return (match ? match[1] : value)?.trim() || undefined;
}

const DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const pad = (n: number) => String(n).padStart(2, "0");

/** API Gateway renders `exp` and `iat` as Java dates ("Thu Jan 02 03:04:05 UTC 2025"). */
function javaDate(epochSeconds: number): string {
  const d = new Date(epochSeconds * 1000);
  return `${DAYS[d.getUTCDay()]} ${MONTHS[d.getUTCMonth()]} ${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} UTC ${d.getUTCFullYear()}`;
}

/**
 * Claims the way a REST API's Cognito authorizer hands them to Lambda: a flat map of
 * strings, lists comma-separated (`cognito:groups` = "Admins,ApprovedUsers").
 */
export function flattenClaims(payload: JwtPayload): Record<string, string> {
  const claims: Record<string, string> = {};
  for (const [name, value] of Object.entries(payload)) {
    if (value === undefined || value === null) continue;
    if ((name === "exp" || name === "iat") && typeof value === "number") claims[name] = javaDate(value);
    else if (Array.isArray(value)) claims[name] = value.map(String).join(",");
    else if (typeof value === "object") claims[name] = JSON.stringify(value);
    else claims[name] = String(value);
  }
  return claims;
}

export type IdTokenVerifier = (authorizationHeader: string | undefined) => Promise<Verification>;

/**
 * Checks an ID token the way API Gateway's Cognito user pool authorizer does: RS256
 * signature against the pool's JWKS, issuer, audience (one of the pool's app clients),
 * expiry, and `token_use` = "id".
 */
export function createIdTokenVerifier(options: IdTokenVerifierOptions): IdTokenVerifier {
  const verify = createTokenVerifier(options);
  return async (authorizationHeader) => {
    const token = tokenFromHeader(authorizationHeader);
    if (!token) return { ok: false, reason: "missing" };
    const verification = await verify(token);
    return verification.ok ? { ok: true, claims: flattenClaims(verification.payload) } : verification;
  };
}
