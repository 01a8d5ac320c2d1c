import { createHmac, timingSafeEqual } from "node:crypto";
import { isProductionStage, stageFromEnv } from "../aws/clients.js";
import { ConfigurationError } from "../errors.js";

// The rotating secret that signs what the API hands out and later takes back: pagination
// cursors and the unsubscribe links of emails. Each user derives its own key from it.

/**
 * The values of the signing secret: new signatures use `current`; signatures made with
 * `current` or any of `previous` verify, so what was signed survives a rotation of the secret.
 */
export interface CursorKeys {
  current: string;
  previous?: readonly string[];
}

/**
 * The signing secret: `CURSOR_SECRET` when set. Outside production a fixed development
 * secret is used so local runs need no setup; production without one refuses to start.
 */
export function cursorSecretFromEnv(env: NodeJS.ProcessEnv = process.env): string {
  const secret = env.CURSOR_SECRET;
  if (secret) return secret;
  if (isProductionStage(stageFromEnv(env))) {
    throw new ConfigurationError(
      "CURSOR_SECRET_ARN (or CURSOR_SECRET) must be set in production: the cursor secret signs pagination cursors",
    );
  }
  return "hearth-development-cursor-secret";
}

/**
 * HMAC-SHA256 keys made from a rotating secret: `current` signs, `current` and every
 * `previous` value verify (so what was signed before a rotation still verifies). Each
 * secret becomes a key through `derive`, so two users of one secret sign with different keys.
 */
export class RotatingHmacKeys {
  private signingKey: Buffer | undefined;
  private verifyingKeys: Buffer[] = [];
  private loadedKeys: string | undefined;

  constructor(
    /** What the keys sign, for the error before any are loaded ("cursor", "unsubscribe"). */
    private readonly purpose: string,
    private readonly derive: (secret: string) => Buffer,
    /** Throws for a secret that must not be used. */
    private readonly check: (secret: string) => void = () => {},
  ) {}

  /** Replaces the keys; cheap when they are the ones already in use. */
  use(keys: string | CursorKeys): void {
    const { current, previous = [] } = typeof keys === "string" ? { current: keys } : keys;
    const fingerprint = JSON.stringify([current, previous]);
    if (fingerprint === this.loadedKeys) return;
    for (const secret of [current, ...previous]) this.check(secret);
    this.signingKey = this.derive(current);
    this.verifyingKeys = [current, ...previous.filter((secret) => secret !== current)].map(this.derive);
    this.loadedKeys = fingerprint;
  }

  /** The base64url HMAC of the parts, joined by line breaks, with the current key. */
  sign(...parts: string[]): string {
    return hmac(this.loaded(), parts);
  }

  /** True when any verifying key made `signature` of the parts; every key is tried, in constant time each. */
  verifies(signature: string, ...parts: string[]): boolean {
    this.loaded();
    const given = Buffer.from(signature, "utf8");
    let matched = false;
    for (const key of this.verifyingKeys) {
      const expected = Buffer.from(hmac(key, parts), "utf8");
      if (expected.length === given.length && timingSafeEqual(expected, given)) matched = true;
    }
    return matched;
  }

  private loaded(): Buffer {
    if (!this.signingKey) throw new Error(`The ${this.purpose} keys are not loaded yet`);
    return this.signingKey;
  }
}

function hmac(key: Buffer, parts: readonly string[]): string {
  return createHmac("sha256", key).update(parts.join("\n")).digest("base64url");
}
