import { GetCommand } from "@aws-sdk/lib-dynamodb";
import { DEFAULT_NOTIFICATION_PREFERENCES, type Profile } from "../entities.js";
import { toDomainError } from "../errors.js";
import { Repository } from "./context.js";

/** Rows written only by the activity aggregator lack the user-set fields: fill in defaults. */
export function toProfile(item: Record<string, unknown>): Profile {
  return {
    userId: item.userId as string,
    email: item.email as string | undefined,
    displayName: (item.displayName as string | undefined) ?? "",
    bio: (item.bio as string | undefined) ?? "",
    profilePhotoUrl: (item.profilePhotoUrl as string | null | undefined) ?? null,
    isProfilePrivate: (item.isProfilePrivate as boolean | undefined) ?? false,
    notificationPreferences: {
      ...DEFAULT_NOTIFICATION_PREFERENCES,
      ...(item.notificationPreferences as Partial<Profile["notificationPreferences"]> | undefined),
    },
    ...(item.membership === MEMBER || item.membership === PENDING || item.membership === REVOKED
      ? { membership: item.membership }
      : {}),
    ...(typeof item.cognitoUsername === "string" ? { cognitoUsername: item.cognitoUsername } : {}),
    ...(typeof item.approvedBy === "string" ? { approvedBy: item.approvedBy } : {}),
    ...(typeof item.approvedAt === "string" ? { approvedAt: item.approvedAt } : {}),
    ...(typeof item.revokedBy === "string" ? { revokedBy: item.revokedBy } : {}),
    ...(typeof item.revokedAt === "string" ? { revokedAt: item.revokedAt } : {}),
    ...(typeof item.suppressedEmail === "string" ? { suppressedEmail: item.suppressedEmail } : {}),
    ...(typeof item.suppressedAt === "string" ? { suppressedAt: item.suppressedAt } : {}),
    ...(item.suppressionReason === "bounce" || item.suppressionReason === "complaint"
      ? { suppressionReason: item.suppressionReason }
      : {}),
    commentCount: Math.max(0, (item.commentCount as number | undefined) ?? 0),
    lastActive: (item.lastActive as string | null | undefined) ?? null,
    createdAt:
      (item.createdAt as string | undefined) ??
      (item.updatedAt as string | undefined) ??
      new Date(0).toISOString(),
    updatedAt:
      (item.updatedAt as string | undefined) ??
      (item.createdAt as string | undefined) ??
      new Date(0).toISOString(),
  };
}

/**
 * `membership` says whether a person with a profile is a member (in ApprovedUsers or Admins)
 * or waits for an admin's approval. The member directory index is keyed on it: the `member`
 * partition is the directory, the `pending` partition the people waiting to be let in.
 */
export const MEMBER = "member";
export const PENDING = "pending";
/** An admin ended the membership: out of the directory, listed apart, kept until approved again. */
export const REVOKED = "revoked";
export type MembershipStatus = typeof MEMBER | typeof PENDING | typeof REVOKED;

/**
 * The attribute of a deleted member's tombstone: the row `{userId, deletedAt}` that replaces
 * their profile when their account is deleted and is never removed (no TTL). Every write that
 * could create a profile row conditions on its absence, in the same UpdateItem, so no late
 * stream record, sign-in or unexpired token brings the member back, and no write pays an
 * extra read for it. A row of its own rather than a separate `DELETED#` item: a condition can
 * only name the item being written, and a check on another item would make every profile
 * write a transaction.
 */
export const DELETED_AT = "deletedAt";

/** A profile exists once its owner saved it; activity-only rows do not count. */
export function isSavedProfile(item: Record<string, unknown> | undefined): item is Record<string, unknown> {
  return !!item && typeof item.createdAt === "string";
}

/**
 * Reading one profile, all a background reader (an export) needs: kept apart from the
 * repository's writes, so a function that only reads profiles bundles only this.
 */
export class ProfileReader extends Repository {
  protected get table(): string {
    return this.tables.UserProfiles;
  }

  /** The saved profile; `consistent` reads it strongly consistent (what a writer syncing to it needs). */
  async get(userId: string, consistent = false): Promise<Profile | null> {
    try {
      const output = await this.doc.send(
        new GetCommand({
          TableName: this.table,
          Key: { userId },
          ...(consistent ? { ConsistentRead: true } : {}),
        }),
      );
      return isSavedProfile(output.Item) ? toProfile(output.Item) : null;
    } catch (error) {
      throw toDomainError(error);
    }
  }

  /** Whether `userId`'s account was deleted (their tombstone is there): one strongly consistent GetItem. */
  async isDeleted(userId: string): Promise<boolean> {
    try {
      const output = await this.doc.send(
        new GetCommand({
          TableName: this.table,
          Key: { userId },
          ProjectionExpression: "#deletedAt",
          ExpressionAttributeNames: { "#deletedAt": DELETED_AT },
          ConsistentRead: true,
        }),
      );
      return typeof output.Item?.[DELETED_AT] === "string";
    } catch (error) {
      throw toDomainError(error);
    }
  }
}
