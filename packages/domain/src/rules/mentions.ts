import type { Profile } from "../entities.js";
import { InvalidInputError } from "../errors.js";
import { isCurrentMember } from "./access.js";
import { FORMER_MEMBER, UNNAMED_MEMBER } from "./names.js";

/**
 * Mentions: the member ids a comment or message names (its text holds their names as plain
 * text). The client sends at most LIMITS.mentions ids; an id given twice counts once (the
 * text may well name someone twice), in the order first given.
 */
export function distinctMentions(ids: readonly string[]): string[] {
  return [...new Set(ids)];
}

/**
 * Refuses the mentions of anyone who may not read what mentions them, naming the positions in
 * the request (an id is the client's text, never echoed): `may(id)` says who may.
 * `who` ends the message ("… is not a member of this conversation").
 */
function assertMentionable(
  ids: readonly string[],
  may: (id: string) => boolean,
  who: { one: string; many: string },
): void {
  const refused = ids.flatMap((id, index) => (may(id) ? [] : [`mentions[${index}]`]));
  if (refused.length === 0) return;
  const [first, ...more] = refused.slice(0, 5);
  throw new InvalidInputError(
    more.length === 0 ? `${first} is not ${who.one}` : `${[first, ...more].join(", ")} are not ${who.many}`,
    refused.map((path) => ({ path, message: `is not ${who.one}` })),
  );
}

/** Mentions in a comment: every id a current member's (any member may read every item). */
export function assertCommentMentions(ids: readonly string[], profiles: ReadonlyMap<string, Profile>): void {
  assertMentionable(ids, (id) => isCurrentMember(profiles.get(id)), {
    one: "a member of the family archive",
    many: "members of the family archive",
  });
}

/** Mentions in a message: every id a participant's who is a current member. */
export function assertMessageMentions(
  ids: readonly string[],
  participantIds: readonly string[],
  profiles: ReadonlyMap<string, Profile>,
): void {
  assertMentionable(ids, (id) => participantIds.includes(id) && isCurrentMember(profiles.get(id)), {
    one: "a member of this conversation",
    many: "members of this conversation",
  });
}

/** A mention as shown: the member's current name; someone whose account is gone as a former member. */
export function mentionNameOf(profile: Pick<Profile, "displayName"> | undefined): string {
  if (!profile) return FORMER_MEMBER;
  return profile.displayName.trim() || UNNAMED_MEMBER;
}
