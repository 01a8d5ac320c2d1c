import { MEMBER, type MembershipStatus, PENDING, REVOKED } from "@hearth/domain";
import type { ProfilesRepository } from "@hearth/domain/repositories/profiles";
import type { RevocationsRepository } from "@hearth/domain/repositories/revocations";
import { ADMIN_MEMBER_STATUSES, type AdminMemberStatus, adminMemberView } from "@hearth/views/views";
import { type AreaRoutes, ok } from "../area-routes.js";
import { badRequest, forbidden, notFound, targetIsAdmin } from "../http/errors.js";
import type { MemberGroups } from "../member-groups.js";

const MEMBERSHIP_OF: Record<AdminMemberStatus, MembershipStatus> = {
  pending: PENDING,
  approved: MEMBER,
  revoked: REVOKED,
};

/** `?status=`: pending (what an admin's screen opens with) unless asked otherwise. */
function statusFrom(value: string | undefined): AdminMemberStatus {
  if (value === undefined) return "pending";
  const status = ADMIN_MEMBER_STATUSES.find((candidate) => candidate === value);
  if (!status) throw badRequest(`status must be one of ${ADMIN_MEMBER_STATUSES.join(", ")}`);
  return status;
}

/** What the admin routes use: the profiles, the revocation list and the user pool's groups (no photos are shown). */
export interface AdminDependencies {
  repositories: { profiles: ProfilesRepository; revocations: RevocationsRepository };
  memberGroups: MemberGroups;
}

export const adminRoutes: AreaRoutes<"admin", AdminDependencies> = {
  "GET /admin/members": async (request, { repositories }) => {
    const status = statusFrom(request.query("status"));
    const result = await repositories.profiles.listMembers(request.page(), MEMBERSHIP_OF[status]);
    return ok({ members: result.items.map(adminMemberView), nextCursor: result.nextCursor });
  },

  /**
   * Lets a person in: first the user pool's group (what their next token carries), then the
   * profile (one conditional update, which is what sends the welcome email). A retry after the
   * second step failed adds them to the group again (no change) and writes the profile; a
   * person already approved is answered as they are, with nothing changed and no email. A
   * revoked person is let back in the same way (their tokens from before the revocation stay
   * refused; they sign in again).
   */
  "POST /admin/members/{userId}/approve": async (request, { repositories, memberGroups }) => {
    const userId = request.path("userId");
    const profile = await repositories.profiles.get(userId);
    if (!profile) throw notFound("There is no such person");
    if (profile.membership === MEMBER) return ok(adminMemberView(profile));
    // People who signed in before usernames were recorded: the sub is their username.
    await memberGroups.addToMembers(profile.cognitoUsername ?? userId);
    const approved = await repositories.profiles.approve(userId, request.caller.userId);
    return ok(adminMemberView(approved.profile));
  },
  /**
   * Ends a person's membership: checked first (not oneself, not an admin: the user pool is
   * asked), then taken out of ApprovedUsers and signed out everywhere (refresh tokens stop
   * working), then the profile marked `revoked` and the person put on the revocation list in
   * one transaction (their unexpired tokens are refused within a minute; the realtime fanout
   * closes their open connections off the list's stream). The profile mark comes last, so a
   * retry after a failure half-way does every step again; someone revoked already is answered
   * as they are, with nothing changed.
   */
  "POST /admin/members/{userId}/revoke": async (request, { repositories, memberGroups }) => {
    const userId = request.path("userId");
    if (userId === request.caller.userId)
      throw forbidden("Admins cannot revoke themselves; leave the Admins group or delete your account");
    const profile = await repositories.profiles.get(userId);
    if (!profile) throw notFound("There is no such person");
    const username = profile.cognitoUsername ?? userId;
    if (await memberGroups.isAdmin(username)) throw targetIsAdmin();
    if (profile.membership !== REVOKED) {
      await memberGroups.removeFromMembers(username);
      await memberGroups.signOutEverywhere(username);
      await repositories.profiles.revoke(userId, request.caller.userId, repositories.revocations);
    }
    return ok({ userId, membership: REVOKED });
  },
};
