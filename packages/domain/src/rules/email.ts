/**
 * Email hygiene: an address SES reported as permanently bouncing, or whose owner marked our
 * email as spam, is suppressed on the profile, and nothing emails a suppressed address again
 * (the in-app feed goes on). The suppression names the address it is about, so a new address
 * (from Cognito at the next sign-in or profile save) is emailable again without another write.
 */
export const SUPPRESSION_REASONS = ["bounce", "complaint"] as const;
export type SuppressionReason = (typeof SUPPRESSION_REASONS)[number];

export type EmailStatus = "active" | "suppressed";

/** What the rule reads: a profile, or a profile's raw stream image. */
export interface EmailFields {
  email?: string | null | undefined;
  suppressedEmail?: string | null | undefined;
}

export function emailStatusOf(profile: EmailFields): EmailStatus {
  return profile.email && profile.suppressedEmail === profile.email.toLowerCase() ? "suppressed" : "active";
}

/** The address we may email this person at, or undefined: none on file, or it is suppressed. */
export function emailableAddress(profile: EmailFields | null | undefined): string | undefined {
  if (!profile?.email) return undefined;
  return emailStatusOf(profile) === "active" ? profile.email : undefined;
}

/**
 * A recipient as SES reports it, as the profile stores it: lower-cased, the bare address out
 * of a `"Name" <address>` form. Undefined for anything that is not an address.
 */
export function normalizeEmailAddress(raw: string): string | undefined {
  const bracketed = /<([^<>\s]+)>\s*$/.exec(raw)?.[1];
  const address = (bracketed ?? raw).trim().toLowerCase();
  return /^[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+$/.test(address) ? address : undefined;
}
