import { GetCommand, QueryCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { batchGetAll } from "../dynamo/batch.js";
import { buildUpdateExpression } from "../dynamo/update-expression.js";
import {
  DEFAULT_NOTIFICATION_PREFERENCES,
  type NotificationKind,
  type Profile,
  type ProfileUpdate,
} from "../entities.js";
import { ConflictError, toDomainError } from "../errors.js";
import { Repository } from "./context.js";

/** Rows written only by the activity aggregator lack the user-set fields: fill in defaults. */
function toProfile(item: Record<string, unknown>): Profile {
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

const lastEmailedAttribute = (kind: NotificationKind) => `lastEmailedAt_${kind}`;

/** A profile exists once its owner saved it; activity-only rows do not count. */
function isSavedProfile(item: Record<string, unknown> | undefined): item is Record<string, unknown> {
  return !!item && typeof item.createdAt === "string";
}

export class ProfilesRepository extends Repository {
  private get table(): string {
    return this.tables.UserProfiles;
  }

  async get(userId: string): Promise<Profile | null> {
    try {
      const output = await this.doc.send(new GetCommand({ TableName: this.table, Key: { userId } }));
      return isSavedProfile(output.Item) ? toProfile(output.Item) : null;
    } catch (error) {
      throw toDomainError(error);
    }
  }

  /** Saved profiles of many users at once (missing ones are simply absent from the map). */
  async getMany(userIds: readonly string[]): Promise<Map<string, Profile>> {
    const unique = [...new Set(userIds)];
    const items = await batchGetAll(
      this.doc,
      this.table,
      unique.map((userId) => ({ userId })),
    );
    return new Map(items.filter(isSavedProfile).map((item) => [item.userId as string, toProfile(item)]));
  }

  async findByEmail(email: string): Promise<Profile | null> {
    try {
      const output = await this.doc.send(
        new QueryCommand({
          TableName: this.table,
          IndexName: "EmailIndex",
          KeyConditionExpression: "#email = :email",
          ExpressionAttributeNames: { "#email": "email" },
          ExpressionAttributeValues: { ":email": email },
          Limit: 1,
        }),
      );
      const item = output.Items?.[0];
      return isSavedProfile(item) ? toProfile(item) : null;
    } catch (error) {
      throw toDomainError(error);
    }
  }

  /**
   * Creates or updates a profile in one UpdateItem: given fields are set, absent ones get
   * defaults only if the profile is new, and counters written by the aggregator are kept.
   */
  async upsert(
    userId: string,
    update: ProfileUpdate,
    identity: { email?: string | undefined } = {},
  ): Promise<Profile> {
    const now = this.timestamp();
    const defaults: Record<string, unknown> = {
      displayName: "",
      bio: "",
      profilePhotoUrl: null,
      isProfilePrivate: false,
      notificationPreferences: DEFAULT_NOTIFICATION_PREFERENCES,
      createdAt: now,
    };
    const set: Record<string, unknown> = { updatedAt: now };
    for (const [field, value] of Object.entries(update)) {
      if (value === undefined) continue;
      set[field] = value;
      delete defaults[field];
    }
    if (identity.email) set.email = identity.email.toLowerCase();
    const expression = buildUpdateExpression({ set, setIfNotExists: { ...defaults, commentCount: 0 } });
    try {
      const output = await this.doc.send(
        new UpdateCommand({ TableName: this.table, Key: { userId }, ...expression, ReturnValues: "ALL_NEW" }),
      );
      return toProfile(output.Attributes ?? {});
    } catch (error) {
      throw toDomainError(error);
    }
  }

  /** Adds `delta` to the comment count (atomic ADD; never read-modify-write). */
  async addToCommentCount(userId: string, delta: number): Promise<void> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { userId },
          ...buildUpdateExpression({ add: { commentCount: delta } }),
        }),
      );
    } catch (error) {
      throw toDomainError(error);
    }
  }

  /** Moves `lastActive` forward to `at`; an older time (a late or redelivered event) changes nothing. */
  async touchLastActive(userId: string, at: string): Promise<boolean> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { userId },
          UpdateExpression: "SET #lastActive = :at",
          ConditionExpression: "attribute_not_exists(#lastActive) OR #lastActive < :at",
          ExpressionAttributeNames: { "#lastActive": "lastActive" },
          ExpressionAttributeValues: { ":at": at },
        }),
      );
      return true;
    } catch (error) {
      const domainError = toDomainError(error);
      if (domainError instanceof ConflictError && !domainError.isTransactionConflict) return false;
      throw domainError;
    }
  }

  /**
   * Claims the right to email `userId` about `kind` now: one conditional update, so of two
   * concurrent deliveries only one wins. False when an email of that kind went out within
   * the window (or there is no saved profile to email).
   */
  async claimNotificationSlot(
    userId: string,
    kind: NotificationKind,
    now: Date,
    windowSeconds: number,
  ): Promise<boolean> {
    const attribute = lastEmailedAttribute(kind);
    const threshold = new Date(now.getTime() - windowSeconds * 1000).toISOString();
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { userId },
          UpdateExpression: "SET #last = :now",
          ConditionExpression:
            "attribute_exists(#createdAt) AND (attribute_not_exists(#last) OR #last <= :threshold)",
          ExpressionAttributeNames: { "#last": attribute, "#createdAt": "createdAt" },
          ExpressionAttributeValues: { ":now": now.toISOString(), ":threshold": threshold },
        }),
      );
      return true;
    } catch (error) {
      const domainError = toDomainError(error);
      if (domainError instanceof ConflictError && !domainError.isTransactionConflict) return false;
      throw domainError;
    }
  }

  /** Gives a claimed slot back (the email could not be sent), so a retry may send it. */
  async releaseNotificationSlot(userId: string, kind: NotificationKind, claimedAt: Date): Promise<void> {
    const attribute = lastEmailedAttribute(kind);
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { userId },
          UpdateExpression: "REMOVE #last",
          ConditionExpression: "#last = :claimedAt",
          ExpressionAttributeNames: { "#last": attribute },
          ExpressionAttributeValues: { ":claimedAt": claimedAt.toISOString() },
        }),
      );
    } catch (error) {
      const domainError = toDomainError(error);
      if (domainError instanceof ConflictError && !domainError.isTransactionConflict) return;
      throw domainError;
    }
  }
}
