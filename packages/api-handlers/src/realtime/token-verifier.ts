import { ConfigurationError, tokenIssuerFromEnv } from "@hearth/domain";
import { JwtVerifier } from "aws-jwt-verify";
import { JwtExpiredError } from "aws-jwt-verify/error";
import { SimpleJwksCache } from "aws-jwt-verify/jwk";
import type { JwtPayload } from "aws-jwt-verify/jwt-model";

/**
 * Verifies Cognito ID tokens the way the REST API's Cognito authorizer does (browsers cannot
 * put one in a WebSocket handshake's headers, so `$connect` gets it from the query string):
 * RS256 signature against the pool's JWKS, issuer, audience (the pool's app client), expiry
 * and `token_use` = "id".
 */
export type TokenVerification =
  | { ok: true; payload: JwtPayload }
  | { ok: false; reason: "missing" | "invalid" | "expired" };

export type IdTokenVerifier = (token: string | undefined) => Promise<TokenVerification>;

export interface IdTokenVerifierOptions {
  /** `https://cognito-idp.<region>.amazonaws.com/<user pool id>` (cognito-local's locally). */
  issuer: string;
  /** App client ids whose ID tokens are accepted (their `aud`). */
  clientIds: readonly string[];
  /** Defaults to `<issuer>/.well-known/jwks.json`. */
  jwksUri?: string | undefined;
}

/** Fetches the JWKS over plain HTTP too (a local pool); the library's own fetcher speaks only HTTPS. */
const jwksFetcher = {
  async fetch(uri: string): Promise<ArrayBuffer> {
    const response = await fetch(uri, { signal: AbortSignal.timeout(3000) });
    if (!response.ok) throw new Error(`JWKS fetch from ${uri} failed with ${response.status}`);
    return response.arrayBuffer();
  },
};

export function createIdTokenVerifier(options: IdTokenVerifierOptions): IdTokenVerifier {
  const verifier = JwtVerifier.create(
    {
      issuer: options.issuer,
      audience: [...options.clientIds],
      jwksUri: options.jwksUri ?? `${options.issuer}/.well-known/jwks.json`,
      customJwtCheck: ({ payload }) => {
        if (payload.token_use !== "id") throw new Error("Not an ID token");
      },
    },
    { jwksCache: new SimpleJwksCache({ fetcher: jwksFetcher }) },
  );
  return async (token) => {
    if (!token?.trim()) return { ok: false, reason: "missing" };
    try {
      return { ok: true, payload: await verifier.verify(token.trim()) };
    } catch (error) {
      return { ok: false, reason: error instanceof JwtExpiredError ? "expired" : "invalid" };
    }
  };
}

function required(env: NodeJS.ProcessEnv, name: string): string {
  const value = env[name]?.trim();
  if (!value) throw new ConfigurationError(`Missing environment variable ${name}`);
  return value;
}

/**
 * The verifier's settings from the environment: `USER_POOL_ID`, `USER_POOL_CLIENT_ID` (one or
 * more, comma-separated) and `AWS_REGION` give the Cognito issuer. `TOKEN_ISSUER` (and
 * `JWKS_URI`) replace it for a local pool only, and are refused in production.
 */
export function idTokenVerifierOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): IdTokenVerifierOptions {
  const userPoolId = required(env, "USER_POOL_ID");
  const clientIds = required(env, "USER_POOL_CLIENT_ID")
    .split(",")
    .map((id) => id.trim())
    .filter(Boolean);
  return { ...tokenIssuerFromEnv(env, userPoolId), clientIds };
}
