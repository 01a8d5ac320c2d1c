import { type Caller, displayNameFrom, type Profile } from "@hearth/domain";

/**
 * The name shown next to what a user writes: their profile's display name, else the name
 * in their token, else the part of their email before the `@` (the full address is only
 * ever shown to its owner and admins). Each is reduced to plain text like any user text.
 */
export function authorName(caller: Caller, profile: Profile | null | undefined): string {
  return displayNameFrom([profile?.displayName, caller.name, caller.email?.split("@")[0]]);
}
