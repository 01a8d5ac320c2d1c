import { hkdfSync } from "node:crypto";
import { NOTIFICATION_KINDS, type NotificationKind, type NotificationPreferences } from "../entities.js";
import { InvalidInputError } from "../errors.js";
import { type CursorKeys, RotatingHmacKeys } from "../signing/keys.js";

/** The preference that turns each kind of notification email on or off. */
export const NOTIFICATION_PREFERENCE_OF: Record<NotificationKind, keyof NotificationPreferences> = {
  comment: "comments",
  reaction: "reactions",
  message: "messages",
  reply: "replies",
  mention: "mentions",
};

/**
 * How long an unsubscribe link works: long, because people unsubscribe from old emails, and
 * a token can do nothing but turn one kind of email off for the one person it was made for.
 */
export const UNSUBSCRIBE_TOKEN_DAYS = 180;

/** What a valid token says: whose email, which kind, and until when it works. */
export interface UnsubscribeClaim {
  userId: string;
  kind: NotificationKind;
  expiresAt: Date;
}

/**
 * Separates the unsubscribe key from the cursor key made from the same secret (HKDF), so a
 * signature of one kind is never a valid signature of the other.
 */
const KEY_INFO = "hearth/unsubscribe-token/v1";
const MAX_TOKEN_LENGTH = 1024;
/** The first signed line: a token's signature is over this label and the payload. */
const SIGNED_AS = "unsubscribe";

function deriveKey(secret: string): Buffer {
  return Buffer.from(hkdfSync("sha256", Buffer.from(secret, "utf8"), Buffer.alloc(0), KEY_INFO, 32));
}

const refused = () =>
  new InvalidInputError(
    "This unsubscribe link is not valid (it may have been changed or have expired); change which emails you get in your settings instead",
  );

/**
 * Signed unsubscribe tokens: `base64url(JSON {u, k, e}).base64url(HMAC-SHA256)`, the HMAC over
 * the payload with a key derived from the cursor secret. Keys come the way the cursor codec's
 * do (`useKeys`, the previous values of a rotated secret still verify). A tampered token, one
 * for another person or kind, or an expired one is refused with InvalidInputError.
 */
export class UnsubscribeTokens {
  private readonly keys = new RotatingHmacKeys("unsubscribe", deriveKey);

  constructor(keys?: string | CursorKeys) {
    if (keys !== undefined) this.useKeys(keys);
  }

  /** Replaces the keys; cheap when they are the ones already in use. */
  useKeys(keys: string | CursorKeys): void {
    this.keys.use(keys);
  }

  /** A token for `userId`'s `kind` of email, working `days` from `now`. */
  issue(userId: string, kind: NotificationKind, now: Date, days = UNSUBSCRIBE_TOKEN_DAYS): string {
    const expiresAt = Math.floor(now.getTime() / 1000) + days * 24 * 60 * 60;
    const payload = Buffer.from(JSON.stringify({ u: userId, k: kind, e: expiresAt }), "utf8").toString(
      "base64url",
    );
    return `${payload}.${this.keys.sign(SIGNED_AS, payload)}`;
  }

  /** What the token says, when it is genuine and still works at `now`; InvalidInputError otherwise. */
  verify(token: string, now: Date): UnsubscribeClaim {
    const [payload, signature, ...rest] = token.split(".");
    if (!payload || !signature || rest.length || token.length > MAX_TOKEN_LENGTH) throw refused();
    if (!this.keys.verifies(signature, SIGNED_AS, payload)) throw refused();
    let claim: unknown;
    try {
      claim = JSON.parse(Buffer.from(payload, "base64url").toString("utf8"));
    } catch {
      throw refused();
    }
    const { u, k, e } = (claim ?? {}) as { u?: unknown; k?: unknown; e?: unknown };
    if (
      typeof u !== "string" ||
      u === "" ||
      !(NOTIFICATION_KINDS as readonly unknown[]).includes(k) ||
      typeof e !== "number" ||
      !Number.isInteger(e)
    ) {
      throw refused();
    }
    if (e * 1000 <= now.getTime()) throw refused();
    return { userId: u, kind: k as NotificationKind, expiresAt: new Date(e * 1000) };
  }
}
