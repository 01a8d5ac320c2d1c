import { LIMITS, UPLOAD_STATE_TAG, UPLOAD_STATES } from "@hearth/domain";
import type { ObjectUrlSigner } from "@hearth/views/object-urls";

/** Where message attachments live in the files bucket (the messages area signs uploads and downloads there). */
export const ATTACHMENT_KEY_PREFIX = "attachments/";

/** How long an upload URL stays valid, in seconds. */
export const UPLOAD_URL_EXPIRES_IN = 900;

/**
 * Attachment types users may upload: photos, PDFs and plain text. Anything a browser could
 * run (HTML, SVG, scripts) is deliberately absent.
 */
export const ALLOWED_ATTACHMENT_TYPES = [
  "image/jpeg",
  "image/png",
  "image/gif",
  "image/webp",
  "image/heic",
  "image/heif",
  "application/pdf",
  "text/plain",
] as const;

export const MAX_ATTACHMENT_BYTES = LIMITS.attachmentBytes;

/** The header with which an upload PUT tags its object (signed, so the browser must send it). */
export const UPLOAD_TAGGING_HEADER = "x-amz-tagging";
/** The tagging a new attachment upload gets (see `UPLOAD_STATE_TAG` in the domain). */
export const PENDING_UPLOAD_TAGGING = `${UPLOAD_STATE_TAG}=${UPLOAD_STATES.pending}`;

/**
 * The attachments bucket's CORS rules (the deployed bucket and the local S3 alike), for the
 * configured origins: exactly what a browser needs for a presigned PUT (whose signed
 * Content-Type and, for attachments, `x-amz-tagging` are the headers it sends; Content-Length
 * is set by the browser and never asked for in a preflight) and a presigned GET, which sends
 * no headers.
 */
export const ATTACHMENT_CORS_RULES = [
  { allowedMethods: ["PUT"], allowedHeaders: ["Content-Type", UPLOAD_TAGGING_HEADER] },
  { allowedMethods: ["GET"], allowedHeaders: [] },
] as const satisfies readonly {
  allowedMethods: readonly ("PUT" | "GET")[];
  allowedHeaders: readonly string[];
}[];
/** How long browsers may cache the bucket's preflight answer. */
export const ATTACHMENT_CORS_MAX_AGE_SECONDS = 3600;

const MAX_FILENAME_LENGTH = 100;

export function isAllowedAttachmentType(contentType: string): boolean {
  return (ALLOWED_ATTACHMENT_TYPES as readonly string[]).includes(contentType);
}

/** The prefix every key of `userId`'s uploads starts with. */
export function uploadPrefix(userId: string): string {
  return `${ATTACHMENT_KEY_PREFIX}${encodeURIComponent(userId)}/`;
}

/**
 * A filename safe as the last segment of an S3 key: the base name only, ASCII letters,
 * digits, `.`, `_` and `-`, no leading dots, at most 100 characters with the extension
 * kept (a name with nothing usable left, such as `日本.jpg`, becomes `file.jpg`).
 */
function sanitizeFilename(filename: string): string {
  const baseName = filename.split(/[/\\]/).pop() ?? "";
  const safe = baseName
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .replace(/[^A-Za-z0-9._-]+/g, "_")
    .replace(/_+/g, "_");
  const dot = safe.lastIndexOf(".");
  const extension = dot >= 0 && dot < safe.length - 1 && safe.length - dot <= 10 ? safe.slice(dot) : "";
  const stem = (extension ? safe.slice(0, dot) : safe)
    .replace(/^[._]+/, "")
    .slice(0, MAX_FILENAME_LENGTH - extension.length);
  return `${stem || "file"}${extension}`;
}

const KEY_SEGMENT = /^[A-Za-z0-9._-]+$/;

/**
 * Whether `s3Key` is one of `userId`'s upload keys (`attachments/<user>/<id>/<file>`), so a
 * message can only reference what its sender uploaded.
 */
export function isOwnUploadKey(userId: string, s3Key: string): boolean {
  const prefix = uploadPrefix(userId);
  if (!s3Key.startsWith(prefix)) return false;
  const rest = s3Key.slice(prefix.length).split("/");
  return rest.length === 2 && rest.every((segment) => KEY_SEGMENT.test(segment) && !/^\.+$/.test(segment));
}

export interface UploadRequest {
  userId: string;
  filename: string;
  contentType: string;
  size: number;
}

export interface PresignedUpload {
  uploadUrl: string;
  /** Headers the PUT must carry exactly as given (they are signed). */
  uploadHeaders: Record<string, string>;
  s3Key: string;
  expiresIn: number;
}

/**
 * A presigned PUT for one attachment under the caller's prefix. Content type and length
 * are signed, so the upload must be exactly the declared type and size; so is the tag that
 * marks it pending, so an upload no message ever references expires after a day.
 */
export async function presignUpload(
  objectUrls: ObjectUrlSigner,
  id: string,
  upload: UploadRequest,
): Promise<PresignedUpload> {
  const s3Key = `${uploadPrefix(upload.userId)}${id}/${sanitizeFilename(upload.filename)}`;
  const tagging = { [UPLOAD_TAGGING_HEADER]: PENDING_UPLOAD_TAGGING };
  const uploadUrl = await objectUrls.presignPut(
    s3Key,
    upload.contentType,
    upload.size,
    UPLOAD_URL_EXPIRES_IN,
    tagging,
  );
  return {
    uploadUrl,
    uploadHeaders: { "Content-Type": upload.contentType, ...tagging },
    s3Key,
    expiresIn: UPLOAD_URL_EXPIRES_IN,
  };
}
