import type { Profile } from "../entities.js";
import { ForbiddenError, MembershipPendingError } from "../errors.js";

export const ADMIN_GROUP = "Admins";
export const MEMBER_GROUP = "ApprovedUsers";

/** Who is calling: derived from the verified token, never from the request body. */
export interface Caller {
  userId: string;
  email?: string | undefined;
  name?: string | undefined;
  groups: readonly string[];
  /** When the token was issued (`iat`): a token from before its holder's revocation is refused. */
  issuedAt?: Date | undefined;
}

export function isAdmin(caller: Pick<Caller, "groups">): boolean {
  return caller.groups.includes(ADMIN_GROUP);
}

/** Family members are approved users and admins; anyone else signed in is not let in. */
export function isMember(caller: Pick<Caller, "groups">): boolean {
  return caller.groups.includes(MEMBER_GROUP) || isAdmin(caller);
}

/**
 * Whether the person a profile belongs to is a member right now, as the profile's membership
 * mark says (the sign-in trigger keeps it in step with the Cognito groups at every sign-in and
 * token refresh). Only the mark `member` counts: someone pending approval, let out again, or
 * without a profile or a mark is not a member. Whom a conversation may include and who
 * receives an email, digest, feed entry or push are decided by this one rule, at the moment
 * it happens.
 */
export function isCurrentMember(profile: Pick<Profile, "membership"> | null | undefined): boolean {
  return profile?.membership === "member";
}

/** Anyone signed in who is not (yet) a member is waiting for an admin's approval. */
export function assertMember(caller: Caller): void {
  if (!isMember(caller)) throw new MembershipPendingError();
}

export function assertAdmin(caller: Caller): void {
  if (!isAdmin(caller)) throw new ForbiddenError("Only admins may do this");
}

/** The owner of a resource, or (when `adminMayAct`) an admin. */
export function assertOwnerOrAdmin(
  caller: Caller,
  ownerId: string,
  adminMayAct: boolean,
  what: string,
): void {
  if (caller.userId === ownerId) return;
  if (adminMayAct && isAdmin(caller)) return;
  throw new ForbiddenError(`You may not change someone else's ${what}`);
}

/** A private profile is visible to its owner and to admins only. */
export function canViewProfile(
  caller: Caller,
  profile: { userId: string; isProfilePrivate: boolean },
): boolean {
  return !profile.isProfilePrivate || caller.userId === profile.userId || isAdmin(caller);
}
