import {
  canViewProfile,
  firstFailureOf,
  isAdmin,
  LIMITS,
  NOTIFICATION_PREFERENCE_OF,
  type Profile,
  sanitizeText,
  type UnsubscribeTokens,
} from "@hearth/domain";
import type { CommentsRepository } from "@hearth/domain/repositories/comments";
import type { MemberNamesRepository } from "@hearth/domain/repositories/member-names";
import type { ProfilesRepository } from "@hearth/domain/repositories/profiles";
import type { ReactionsRepository } from "@hearth/domain/repositories/reactions";
import {
  isOwnPhotoKey,
  isProfilePhotoType,
  MAX_PROFILE_PHOTO_BYTES,
  PROFILE_PHOTO_TYPES,
  presignPhotoUpload,
} from "@hearth/views/photos";
import { servedComments, servedMembers, servedProfile } from "@hearth/views/served";
import type { StorageDependencies } from "@hearth/views/storage-dependencies";
import { withEmailStatus } from "@hearth/views/views";
import { type AreaRoutes, htmlPage, ok } from "../area-routes.js";
import { badRequest, forbidden, notFound, payloadTooLarge } from "../http/errors.js";
import { photoUploadBody, profileUpdateBody } from "../request-bodies.js";
import { authorName } from "./authors.js";
import { unsubscribePage } from "./unsubscribe-page.js";

const PROFILE_NOT_FOUND = "Profile not found";

/** The signed `?token=` of an unsubscribe link: 400 when missing; its checks are the domain's. */
function unsubscribeToken(request: { query(name: string): string | undefined }): string {
  const token = request.query("token");
  if (!token) throw badRequest("The unsubscribe link has no token; open the link from the email again");
  return token;
}
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

/**
 * What the profile routes use: profiles, a member's comment history and whether the viewer
 * reacted to it, the signer of photos (and of photo uploads), ids for upload keys, the clock,
 * and the checker of unsubscribe links.
 */
export interface ProfileDependencies extends StorageDependencies {
  repositories: {
    profiles: ProfilesRepository;
    comments: CommentsRepository;
    reactions: ReactionsRepository;
    /** The name index the mention picker searches. */
    memberNames: MemberNamesRepository;
  };
  /** Time-sortable ids (ULIDs) for photo upload keys. */
  newId: () => string;
  now: () => Date;
  /**
   * Checks the unsubscribe links of notification emails; its key derives from the cursor
   * secret and is refreshed with the cursor keys.
   */
  unsubscribeTokens: UnsubscribeTokens;
}

export const profileRoutes: AreaRoutes<"profile", ProfileDependencies> = {
  "GET /profile/{userId}": async (request, storage) => {
    const { repositories } = storage;
    const { caller } = request;
    const profile = await visibleProfile(repositories.profiles, caller, request.path("userId"));
    // Only the owner learns whether their address is suppressed; admins see the other private fields.
    if (caller.userId === profile.userId) {
      return ok(withEmailStatus(await servedProfile(storage, profile, true), profile));
    }
    return ok(await servedProfile(storage, profile, isAdmin(caller)));
  },

  "PUT /profile": async (request, storage) => {
    const { repositories } = storage;
    const { profilePhotoKey, ...body } = request.body(profileUpdateBody);
    const update = { ...body };
    // A link is a request every viewer's browser makes to its host: only the environment's photo hosts.
    if (body.profilePhotoUrl && !storage.photos.accepts(body.profilePhotoUrl)) {
      throw badRequest(
        "profilePhotoUrl must be on one of this archive's photo hosts; upload the photo with POST /profile/photo and send profilePhotoKey",
      );
    }
    if (profilePhotoKey !== undefined) {
      // Only a key this API issued to the caller: never someone else's photo or another object.
      if (!isOwnPhotoKey(request.caller.userId, profilePhotoKey)) {
        throw badRequest("profilePhotoKey must be a photo key that POST /profile/photo issued to you");
      }
      update.profilePhotoUrl = profilePhotoKey;
    }
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
      ...(profilePhotoKey === undefined ? {} : { uploadedPhotoKey: profilePhotoKey }),
    });
    return ok(withEmailStatus(await servedProfile(storage, profile, true), profile));
  },

  "GET /profile/{userId}/comments": async (request, storage) => {
    const { repositories } = storage;
    const userId = request.path("userId");
    const page = request.page();
    const { caller } = request;
    // The privacy check and the page are read together; nothing of the page is shown unless the check passes.
    const [, result] = await firstFailureOf([
      visibleProfile(repositories.profiles, caller, userId),
      repositories.comments.listByUser(userId, page),
    ]);
    const comments = await servedComments(
      storage,
      { reactions: repositories.reactions, viewerId: caller.userId },
      result.items,
      { profiles: repositories.profiles },
    );
    return ok({ comments, nextCursor: result.nextCursor });
  },

  "GET /members": async (request, storage) => {
    const prefix = request.query("prefix");
    // With a prefix, the mention picker: members with a name word starting with it.
    const result =
      prefix === undefined
        ? await storage.repositories.profiles.listMembers(request.page())
        : await storage.repositories.memberNames.search(prefix, request.page());
    return ok({ members: await servedMembers(storage, result.items), nextCursor: result.nextCursor });
  },
  // Public: the signed token is the authentication. The page changes nothing (mail scanners
  // follow links); its button POSTs to the same URL.
  "GET /unsubscribe": async (request, { unsubscribeTokens, now }) => {
    const claim = unsubscribeTokens.verify(unsubscribeToken(request), now());
    return htmlPage(unsubscribePage(NOTIFICATION_PREFERENCE_OF[claim.kind], unsubscribeToken(request)));
  },
  // RFC 8058 one-click (a form-encoded `List-Unsubscribe=One-Click` body) or the page's button:
  // the body is not needed, the token says who and what. A deleted member has nothing left to
  // turn off, so that is a success too (and says nothing about whether the account exists).
  "POST /unsubscribe": async (request, { unsubscribeTokens, repositories, now }) => {
    const claim = unsubscribeTokens.verify(unsubscribeToken(request), now());
    const preference = NOTIFICATION_PREFERENCE_OF[claim.kind];
    await repositories.profiles.turnOffNotifications(claim.userId, preference);
    return ok({ unsubscribed: preference });
  },
  "POST /profile/photo": async (request, { objectUrls, newId }) => {
    const body = request.body(photoUploadBody);
    const contentType = body.contentType.trim().toLowerCase();
    if (!isProfilePhotoType(contentType)) {
      throw badRequest(`contentType must be one of ${Object.keys(PROFILE_PHOTO_TYPES).join(", ")}`);
    }
    if (body.size > MAX_PROFILE_PHOTO_BYTES) {
      throw payloadTooLarge(`A profile photo may be at most ${MAX_PROFILE_PHOTO_BYTES / (1024 * 1024)} MB`);
    }
    return ok(await presignPhotoUpload(objectUrls, request.caller.userId, newId(), contentType, body.size));
  },
};
