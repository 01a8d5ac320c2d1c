import {
  canViewProfile,
  firstFailureOf,
  isAdmin,
  LIMITS,
  type Profile,
  profileUpdateSchema,
  sanitizeText,
} from "@hearth/domain";
import * as z from "zod";
import { forbidden, notFound } from "../http/errors.js";
import { type AreaRoutes, ok } from "../http/route-handler.js";
import { memberView, profileView } from "../views.js";
import { authorName, commentViewsFor } from "./authors.js";

/**
 * The fields of `PUT /profile`; unknown ones are refused. Names and bios are reduced to
 * plain text (and then length-checked) like every other piece of user text.
 */
export const profileUpdateBody = profileUpdateSchema
  .extend({
    // Room for markup that sanitizing removes; the limits apply to the plain text.
    displayName: z
      .string()
      .max(LIMITS.displayName * 4)
      .optional(),
    bio: z
      .string()
      .max(LIMITS.bio * 4)
      .optional(),
  })
  .refine((body) => Object.keys(body).length > 0, { message: "Give at least one field to change" });

const PROFILE_NOT_FOUND = "Profile not found";
const PRIVATE_PROFILE = "This profile is private";

/** The profile when the caller may see it: 404 when there is none, 403 when it is private. */
async function visibleProfile(
  profiles: { get(userId: string): Promise<Profile | null> },
  caller: Parameters<typeof canViewProfile>[0],
  userId: string,
): Promise<Profile> {
  const profile = await profiles.get(userId);
  if (!profile) throw notFound(PROFILE_NOT_FOUND);
  if (!canViewProfile(caller, profile)) throw forbidden(PRIVATE_PROFILE);
  return profile;
}

export const profileRoutes: AreaRoutes<"profile"> = {
  "GET /profile/{userId}": async (request, { repositories }) => {
    const { caller } = request;
    const profile = await visibleProfile(repositories.profiles, caller, request.path("userId"));
    return ok(profileView(profile, caller.userId === profile.userId || isAdmin(caller)));
  },

  "PUT /profile": async (request, { repositories }) => {
    const body = request.body(profileUpdateBody);
    const update = { ...body };
    if (body.displayName !== undefined) {
      update.displayName = sanitizeText(body.displayName, "displayName", { min: 1, max: LIMITS.displayName });
    }
    if (body.bio !== undefined) {
      update.bio = sanitizeText(body.bio, "bio", { min: 0, max: LIMITS.bio });
    }
    const { caller } = request;
    // Only members get this far, so the profile is listed in the directory.
    const profile = await repositories.profiles.upsert(caller.userId, update, {
      email: caller.email,
      defaultDisplayName: authorName(caller, null),
      isMember: true,
    });
    return ok(profileView(profile, true));
  },

  "GET /profile/{userId}/comments": async (request, { repositories }) => {
    const userId = request.path("userId");
    const page = request.page();
    const { caller } = request;
    // The privacy check and the page are read together; nothing of the page is shown unless the check passes.
    const [, result] = await firstFailureOf([
      visibleProfile(repositories.profiles, caller, userId),
      repositories.comments.listByUser(userId, page),
    ]);
    const comments = await commentViewsFor(repositories.reactions, caller.userId, result.items);
    return ok({ comments, nextCursor: result.nextCursor });
  },

  "GET /members": async (request, { repositories }) => {
    const result = await repositories.profiles.listMembers(request.page());
    return ok({ members: result.items.map(memberView), nextCursor: result.nextCursor });
  },
};
