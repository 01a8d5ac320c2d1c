import { LIMITS } from "../entities.js";
import { InvalidInputError } from "../errors.js";
import { toPlainText } from "./text.js";

/** The name shown for someone who has none that can be shown. */
export const UNNAMED_MEMBER = "Family member";

/**
 * The name shown for someone whose account was deleted: on their erased messages and
 * comments, and for a conversation participant without a profile (a conversation can only
 * be started with people who have one, so a missing profile means the person left).
 */
export const FORMER_MEMBER = "Former member";

/** A name as plain text, or undefined when nothing showable is left (empty, or nested too deep). */
function plainName(name: string | undefined): string | undefined {
  if (!name) return undefined;
  try {
    return toPlainText(name).slice(0, LIMITS.displayName).trim() || undefined;
  } catch (error) {
    if (error instanceof InvalidInputError) return undefined;
    throw error;
  }
}

/**
 * The first of `candidates` (best first: a profile's name, a token's or user pool's `name`,
 * an email's local part) that is a showable name once reduced to plain text, else
 * `UNNAMED_MEMBER`. Used wherever a person's name is chosen, so every place agrees.
 */
export function displayNameFrom(candidates: readonly (string | undefined)[]): string {
  for (const candidate of candidates) {
    const name = plainName(candidate);
    if (name) return name;
  }
  return UNNAMED_MEMBER;
}
