import * as z from "zod";
import { ConfigurationError } from "../errors.js";

/**
 * Per-member limits on writes, each a number of requests per fixed window. The kind of a
 * request is named by its route (the route table's `rateLimit`); admins are not limited.
 */
export const RATE_LIMIT_KINDS = ["comments", "messages", "reactions", "uploads"] as const;
export type RateLimitKind = (typeof RATE_LIMIT_KINDS)[number];

export interface RateLimit {
  /** Requests a member may make in one window. */
  limit: number;
  windowSeconds: number;
}
export type RateLimits = Record<RateLimitKind, RateLimit>;

/** What every environment gets unless its config says otherwise. */
export const DEFAULT_RATE_LIMITS: RateLimits = {
  comments: { limit: 10, windowSeconds: 60 },
  messages: { limit: 30, windowSeconds: 60 },
  reactions: { limit: 60, windowSeconds: 60 },
  // Attachment and profile photo upload URLs together.
  uploads: { limit: 5, windowSeconds: 60 },
};

/** The environment variable that carries an environment's limits (JSON, only the kinds that differ). */
export const RATE_LIMITS_ENV = "RATE_LIMITS";

const rateLimitSchema = z.strictObject({
  limit: z.number().int().min(1).max(100_000),
  // Up to a day: a counter item lives one window, so longer windows only keep items longer.
  windowSeconds: z.number().int().min(1).max(86_400),
});
/** Overrides of some kinds, each complete: `{"comments":{"limit":20,"windowSeconds":60}}`. */
export const rateLimitOverridesSchema = z.strictObject(
  Object.fromEntries(RATE_LIMIT_KINDS.map((kind) => [kind, rateLimitSchema.optional()])) as Record<
    RateLimitKind,
    z.ZodOptional<typeof rateLimitSchema>
  >,
);
export type RateLimitOverrides = z.infer<typeof rateLimitOverridesSchema>;

/** The defaults with `overrides` applied. */
export function rateLimitsWith(overrides: RateLimitOverrides = {}): RateLimits {
  return Object.fromEntries(
    RATE_LIMIT_KINDS.map((kind) => [kind, overrides[kind] ?? DEFAULT_RATE_LIMITS[kind]]),
  ) as RateLimits;
}

/**
 * The limits from `RATE_LIMITS` (the defaults when unset); a value that is not valid JSON of
 * that shape fails at start-up with what is wrong, not on the first request.
 */
export function rateLimitsFromEnv(env: NodeJS.ProcessEnv = process.env): RateLimits {
  const raw = env[RATE_LIMITS_ENV];
  if (raw === undefined || raw.trim() === "") return rateLimitsWith();
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    throw new ConfigurationError(`${RATE_LIMITS_ENV} is not valid JSON`);
  }
  const parsed = rateLimitOverridesSchema.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues.map(
      (issue) => `${issue.path.join(".") || "(value)"}: ${issue.message}`,
    );
    throw new ConfigurationError(`${RATE_LIMITS_ENV} is not valid: ${problems.join("; ")}`);
  }
  return rateLimitsWith(parsed.data);
}
