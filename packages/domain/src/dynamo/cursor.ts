import { InvalidInputError } from "../errors.js";
import { type CursorKeys, RotatingHmacKeys } from "../signing/keys.js";

export type KeyValue = string | number;
export type CursorKey = Record<string, KeyValue>;

const MIN_SECRET_LENGTH = 16;

/**
 * Opaque pagination cursors. A cursor carries the last returned item's key and an HMAC
 * over that key and the query's scope (table, index, partition, direction), so a cursor
 * from another list or an edited one is rejected instead of leaking another list's data.
 * The keys can be replaced at runtime (`useKeys`) when the secret is rotated.
 */
export class CursorCodec {
  private readonly keys = new RotatingHmacKeys(
    "cursor",
    (secret) => Buffer.from(secret, "utf8"),
    (secret) => {
      if (secret.length < MIN_SECRET_LENGTH)
        throw new Error(`The cursor secret must be at least ${MIN_SECRET_LENGTH} characters`);
    },
  );

  /** Without keys the codec refuses to work until `useKeys` gives it some. */
  constructor(keys?: string | CursorKeys) {
    if (keys !== undefined) this.useKeys(keys);
  }

  /** Replaces the keys; cheap when they are the ones already in use. */
  useKeys(keys: string | CursorKeys): void {
    this.keys.use(keys);
  }

  encode(scope: string, key: CursorKey): string {
    const payload = Buffer.from(JSON.stringify(key), "utf8").toString("base64url");
    return `${payload}.${this.keys.sign(scope, payload)}`;
  }

  /** Returns the key the cursor carries, checked against the scope and the expected key attributes. */
  decode(scope: string, cursor: string, keyAttributes: readonly string[]): CursorKey {
    const invalid = () => new InvalidInputError("The cursor is not valid for this list");
    const [payload, signature, ...rest] = cursor.split(".");
    if (!payload || !signature || rest.length || cursor.length > 2048) throw invalid();
    if (!this.keys.verifies(signature, scope, payload)) throw invalid();
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
}
