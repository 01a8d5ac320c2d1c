import { isOnPhotoHost, UPLOAD_STATE_TAG, UPLOAD_STATES } from "@hearth/domain";
import type { ObjectUrlSigner } from "./object-urls.js";

/** Every uploaded profile photo's key starts with this (infra grants its GETs and PUTs by it). */
export const PROFILE_PHOTO_KEY_PREFIX = "profile-photos/";

/** Photo types a profile photo may be uploaded as, with the extension its key gets. */
export const PROFILE_PHOTO_TYPES = {
  "image/jpeg": "jpg",
  "image/png": "png",
  "image/webp": "webp",
  "image/heic": "heic",
} as const;
export type ProfilePhotoType = keyof typeof PROFILE_PHOTO_TYPES;
export const MAX_PROFILE_PHOTO_BYTES = 5 * 1024 * 1024;
/** How long a photo upload URL stays valid, in seconds. */
export const PHOTO_UPLOAD_EXPIRES_IN = 900;

/**
 * Served photo URLs are signed as of the start of a 15-minute window and valid for two
 * windows: the same photo gets the same URL all window long (browsers can cache it), and
 * every URL handed out stays valid at least 15 minutes.
 */
export const PHOTO_URL_WINDOW_SECONDS = 900;

export function isProfilePhotoType(contentType: string): contentType is ProfilePhotoType {
  return Object.hasOwn(PROFILE_PHOTO_TYPES, contentType);
}

/** The prefix of every photo key `userId` is issued. */
export function photoPrefix(userId: string): string {
  return `${PROFILE_PHOTO_KEY_PREFIX}${encodeURIComponent(userId)}/`;
}

// A ULID and one of the extensions above: exactly what POST /profile/photo issues.
const PHOTO_FILE = /^[0-9A-HJKMNP-TV-Z]{26}\.(jpg|png|webp|heic)$/;

/** Whether `key` is a photo key issued to `userId` by `POST /profile/photo`. */
export function isOwnPhotoKey(userId: string, key: string): boolean {
  const prefix = photoPrefix(userId);
  return key.startsWith(prefix) && PHOTO_FILE.test(key.slice(prefix.length));
}

/** Whether a stored profile photo is an uploaded key (rather than an external URL). */
export function isStoredPhotoKey(stored: string): boolean {
  return stored.startsWith(PROFILE_PHOTO_KEY_PREFIX);
}

export interface PhotoUpload {
  uploadUrl: string;
  uploadHeaders: Record<string, string>;
  photoKey: string;
  expiresIn: number;
}

/** The signed tagging header of a photo upload: pending until PUT /profile makes it the member's photo. */
const PENDING_PHOTO_TAGGING = { "x-amz-tagging": `${UPLOAD_STATE_TAG}=${UPLOAD_STATES.pending}` };

/**
 * A presigned PUT of a new photo under the caller's photo prefix, for exactly that type and
 * size, tagged pending like an attachment upload: a photo never made the profile's expires
 * with the bucket's pending uploads.
 */
export async function presignPhotoUpload(
  objectUrls: ObjectUrlSigner,
  userId: string,
  id: string,
  contentType: ProfilePhotoType,
  size: number,
): Promise<PhotoUpload> {
  const photoKey = `${photoPrefix(userId)}${id}.${PROFILE_PHOTO_TYPES[contentType]}`;
  const uploadUrl = await objectUrls.presignPut(
    photoKey,
    contentType,
    size,
    PHOTO_UPLOAD_EXPIRES_IN,
    PENDING_PHOTO_TAGGING,
  );
  return {
    uploadUrl,
    uploadHeaders: { "Content-Type": contentType, ...PENDING_PHOTO_TAGGING },
    photoKey,
    expiresIn: PHOTO_UPLOAD_EXPIRES_IN,
  };
}

/** Serves stored profile photos: the one place a photo key becomes a URL. */
export interface PhotoUrls {
  /**
   * An uploaded key → a presigned GET; an external https URL on an allowed photo host → as
   * it is; any other URL (linked before hosts were limited) and none → null.
   */
  serve(stored: string | null | undefined): Promise<string | null>;
  /** Whether a profile may link to this external photo URL (its host is an allowed photo host). */
  accepts(url: string): boolean;
}

/**
 * `hosts`: the environment's allowed photo hosts (`photoHostsFromEnv`); none by default, so
 * only uploaded photos are served.
 */
export function createPhotoUrls(
  objectUrls: ObjectUrlSigner,
  now: () => Date = () => new Date(),
  hosts: readonly string[] = [],
): PhotoUrls {
  const accepts = (url: string) => isOnPhotoHost(url, hosts);
  return {
    accepts,
    async serve(stored) {
      if (!stored) return null;
      if (!isStoredPhotoKey(stored)) return accepts(stored) ? stored : null;
      const windowMs = PHOTO_URL_WINDOW_SECONDS * 1000;
      const signingDate = new Date(Math.floor(now().getTime() / windowMs) * windowMs);
      return objectUrls.presignGet(stored, { expiresIn: 2 * PHOTO_URL_WINDOW_SECONDS, signingDate });
    },
  };
}
