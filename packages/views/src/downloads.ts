import type { Attachment } from "@hearth/domain";
import { type ObjectUrlSigner, rfc3986 } from "./object-urls.js";

/** How long an attachment's download URL stays valid, in seconds. */
export const DOWNLOAD_URL_EXPIRES_IN = 900;

/**
 * A `Content-Disposition` that makes a browser save the file under `filename`, whatever
 * characters it holds: an ASCII fallback in `filename` and the exact name in `filename*`
 * (RFC 6266 with RFC 5987 encoding), so no quote, semicolon or line break can escape it.
 */
export function attachmentDisposition(filename: string): string {
  const fallback = filename
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .replace(/[^\x20-\x7e]|["\\%]/g, "_");
  return `attachment; filename="${fallback}"; filename*=UTF-8''${rfc3986(filename)}`;
}

export interface AttachmentDownload {
  downloadUrl: string;
  downloadUrlExpiresAt: string;
}

/**
 * A presigned GET of an attachment, valid 15 minutes from `now`: S3 answers with the type
 * it was sent as and makes the browser save it under its original name.
 */
export async function presignDownload(
  objectUrls: ObjectUrlSigner,
  attachment: Pick<Attachment, "s3Key" | "filename" | "contentType">,
  now: Date,
): Promise<AttachmentDownload> {
  const downloadUrl = await objectUrls.presignGet(attachment.s3Key, {
    responseContentType: attachment.contentType,
    responseContentDisposition: attachmentDisposition(attachment.filename),
    expiresIn: DOWNLOAD_URL_EXPIRES_IN,
    signingDate: now,
  });
  const downloadUrlExpiresAt = new Date(now.getTime() + DOWNLOAD_URL_EXPIRES_IN * 1000).toISOString();
  return { downloadUrl, downloadUrlExpiresAt };
}
