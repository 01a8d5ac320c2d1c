import { MembershipRevokedError } from "../errors.js";

/** How long a container trusts the revocation list it read: a revocation is seen within this. */
export const REVOCATION_LIST_MAX_AGE_MS = 60_000;

/**
 * Whether a token issued at `issuedAt` (the `iat` claim, whole seconds) predates a revocation
 * at `revokedAt`. A token from the revocation's own second counts as earlier: refusing a fresh
 * one for a second is safer than letting an old one through. A token without `iat` is refused.
 */
export function isIssuedBeforeRevocation(issuedAt: Date | undefined, revokedAt: Date | undefined): boolean {
  if (!revokedAt) return false;
  if (!issuedAt || Number.isNaN(issuedAt.getTime())) return true;
  return issuedAt.getTime() <= revokedAt.getTime();
}

/** Where the list comes from (the Revocations table). */
export interface RevocationSource {
  activeRevocations(): Promise<Map<string, Date>>;
}

/**
 * The revocation list as one container sees it: read at most once per `maxAgeMs` (concurrent
 * requests share the read), so an ordinary request pays no round trip of its own and a
 * revocation reaches every container within `maxAgeMs`. A failed read is not kept: the
 * request fails (503) and the next one reads again.
 */
export class RevocationList {
  private cached: { readAt: number; list: Promise<Map<string, Date>> } | undefined;

  constructor(
    private readonly source: RevocationSource,
    private readonly now: () => Date = () => new Date(),
    private readonly maxAgeMs: number = REVOCATION_LIST_MAX_AGE_MS,
  ) {}

  /** MembershipRevokedError when `userId`'s token, issued at `issuedAt`, predates their revocation. */
  async assertNotRevoked(userId: string, issuedAt: Date | undefined): Promise<void> {
    const list = await this.current();
    if (isIssuedBeforeRevocation(issuedAt, list.get(userId))) throw new MembershipRevokedError();
  }

  private current(): Promise<Map<string, Date>> {
    const at = this.now().getTime();
    if (!this.cached || at - this.cached.readAt >= this.maxAgeMs || at < this.cached.readAt) {
      const list = this.source.activeRevocations();
      const entry = { readAt: at, list };
      this.cached = entry;
      list.catch(() => {
        if (this.cached === entry) this.cached = undefined;
      });
    }
    return this.cached.list;
  }
}
