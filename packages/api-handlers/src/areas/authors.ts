import { type Caller, InvalidInputError, type Profile, toPlainText } from "@hearth/domain";
import { UNNAMED_MEMBER } from "../views.js";

/** A name as plain text (a token's name is whatever its owner set it to), or undefined when none is left. */
function plainName(name: string | undefined): string | undefined {
  if (!name) return undefined;
  try {
    return toPlainText(name) || undefined;
  } catch (error) {
    // Nested deeper than plain-text reduction follows: not a name to show.
    if (error instanceof InvalidInputError) return undefined;
    throw error;
  }
}

/**
 * The name shown next to what a user writes: their profile's display name, else the name
 * in their token, else the part of their email before the `@` (the full address is only
 * ever shown to its owner and admins). Each is reduced to plain text like any user text.
 */
export function authorName(caller: Caller, profile: Profile | null | undefined): string {
  const candidates = [profile?.displayName, caller.name, caller.email?.split("@")[0]];
  return candidates.map(plainName).find((name) => !!name) ?? UNNAMED_MEMBER;
}
