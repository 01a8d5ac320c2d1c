import { createHmac, timingSafeEqual } from "node:crypto";
import { InvalidInputError } from "../errors.js";

export type KeyValue = string | number;
export type CursorKey = Record<string, KeyValue>;

/**
 * Opaque pagination cursors. A cursor carries the last returned item's key and an HMAC
 * over that key and the query's scope (table, index, partition, direction), so a cursor
 * from another list or an edited one is rejected instead of leaking another list's data.
 */
export class CursorCodec {
  private readonly secret: Buffer;

  constructor(secret: string) {
    if (secret.length < 16) throw new Error("The cursor secret must be at least 16 characters");
    this.secret = Buffer.from(secret, "utf8");
  }

  encode(scope: string, key: CursorKey): string {
    const payload = Buffer.from(JSON.stringify(key), "utf8").toString("base64url");
    return `${payload}.${this.sign(scope, payload)}`;
  }

  /** Returns the key the cursor carries, checked against the scope and the expected key attributes. */
  decode(scope: string, cursor: string, keyAttributes: readonly string[]): CursorKey {
    const invalid = () => new InvalidInputError("The cursor is not valid for this list");
    const [payload, signature, ...rest] = cursor.split(".");
    if (!payload || !signature || rest.length || cursor.length > 2048) throw invalid();
    const expected = Buffer.from(this.sign(scope, payload), "utf8");
    const given = Buffer.from(signature, "utf8");
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) throw invalid();
    let key: unknown;
    try {
      key = JSON.parse(Buffer.from(payload, "base64url").toString("utf8"));
    } catch {
      throw invalid();
    }
    if (typeof key !== "object" || key === null || Array.isArray(key)) throw invalid();
    const entries = Object.entries(key);
    const wanted = new Set(keyAttributes);
    if (entries.length !== wanted.size) throw invalid();
    for (const [name, value] of entries) {
      if (!wanted.has(name) || (typeof value !== "string" && typeof value !== "number")) throw invalid();
    }
    return key as CursorKey;
  }

  private sign(scope: string, payload: string): string {
    return createHmac("sha256", this.secret).update(scope).update("\n").update(payload).digest("base64url");
  }
}

/**
 * The cursor secret: `CURSOR_SECRET` when set. Outside production a fixed development
 * secret is used so local runs need no setup; production without one refuses to start.
 */
export function cursorSecretFromEnv(env: NodeJS.ProcessEnv = process.env): string {
  const secret = env.CURSOR_SECRET;
  if (secret) return secret;
  const stage = (env.STAGE ?? env.NODE_ENV ?? "dev").toLowerCase();
  if (stage === "prod" || stage === "production") {
    throw new Error("CURSOR_SECRET must be set in production (it signs pagination cursors)");
  }
  return "hearth-development-cursor-secret";
}
