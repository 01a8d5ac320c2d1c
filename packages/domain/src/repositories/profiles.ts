import { PutCommand, QueryCommand, UpdateCommand, type UpdateCommandInput } from "@aws-sdk/lib-dynamodb";
import { batchGetAll } from "../dynamo/batch.js";
import { isConditionFailure } from "../dynamo/conditions.js";
import { type Page, type PageRequest, queryPage } from "../dynamo/query.js";
import { transactWrite } from "../dynamo/transactions.js";
import { buildUpdateExpression, type UpdateSpec } from "../dynamo/update-expression.js";
import {
  DEFAULT_NOTIFICATION_PREFERENCES,
  LIMITS,
  type NotificationKind,
  type NotificationPreferences,
  type Profile,
  type ProfileUpdate,
} from "../entities.js";
import { AccountDeletedError, itemAtConditionFailure, NotFoundError, toDomainError } from "../errors.js";
import type { SuppressionReason } from "../rules/email.js";
import { UNCONFIRMED_PHOTO_KEY } from "./photo-marks.js";
import {
  DELETED_AT,
  isSavedProfile,
  MEMBER,
  type MembershipStatus,
  PENDING,
  ProfileReader,
  REVOKED,
  toProfile,
} from "./profile-reader.js";
import type { RevocationsRepository } from "./revocations.js";

/**
 * The directory's sort key: the display name lower-cased (case-insensitive order), then the
 * user id so equal names stay distinct and in a stable order. \u0001 sorts below every
 * character a name can hold, so "Ann" comes before "Ann B".
 */
export function directoryNameOf(displayName: string, userId: string): string {
  return `${displayName.trim().toLowerCase()}\u0001${userId}`;
}

/** Who signs in, as the sign-in trigger sees them. */
export interface SignInIdentity {
  email?: string | undefined;
  /** The name a new profile starts with (the user pool's `name`, else the email's local part). */
  displayName: string;
  /** In ApprovedUsers or Admins right now. */
  isMember: boolean;
  /** The user pool's name for the person (`userName` of the trigger event), for Cognito admin calls. */
  cognitoUsername?: string | undefined;
}

const lastEmailedAttribute = (kind: NotificationKind) => `lastEmailedAt_${kind}`;
/** Which event claimed the current window (so a retried record is not held for its own window). */
const lastEmailedEventAttribute = (kind: NotificationKind) => `lastEmailedEvent_${kind}`;

/** What claiming a notification slot found. */
export type NotificationSlotClaim =
  | { claimed: true }
  | { claimed: false; windowStart: string | null; sameEvent: boolean };

const NOT_DELETED = `attribute_not_exists(${DELETED_AT})`;

/** An update expression also conditioned on there being no tombstone (and on its own condition, if any). */
function withNotDeleted<T extends object>(input: T): T & { ConditionExpression: string } {
  const condition = (input as { ConditionExpression?: string }).ConditionExpression;
  return { ...input, ConditionExpression: condition ? `(${condition}) AND ${NOT_DELETED}` : NOT_DELETED };
}

/** Profiles, read and written: every change is one atomic UpdateItem (or a conditional transaction). */
export class ProfilesRepository extends ProfileReader {
  /**
   * Replaces the profile row with the member's tombstone `{userId, deletedAt}` (their account
   * is being deleted): every profile field and activity counter goes, the row leaves the email
   * and directory indexes, and no later write can recreate it (see DELETED_AT). Writing it
   * again keeps the first `deletedAt`. True when a saved profile was there.
   */
  async tombstone(userId: string): Promise<boolean> {
    try {
      const output = await this.doc.send(
        new PutCommand({
          TableName: this.table,
          Item: { userId, [DELETED_AT]: this.timestamp() },
          ConditionExpression: NOT_DELETED,
          ReturnValues: "ALL_OLD",
        }),
      );
      return isSavedProfile(output.Attributes);
    } catch (error) {
      const domainError = toDomainError(error);
      if (isConditionFailure(domainError)) return false;
      throw domainError;
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
   * Marks `address` (normalized, see normalizeEmailAddress) as suppressed on the profile whose
   * current email it is: one Query on the email index, then one conditional UpdateItem that
   * only passes while the profile's email is still that address and not yet suppressed, so a
   * stale event (the email changed since) and a redelivered one change nothing.
   * `suppressed` when this call marked it; `unchanged` when it was already, or the email
   * changed in between; `unknown` when no profile has that address.
   */
  async suppressEmail(
    address: string,
    reason: SuppressionReason,
    at: string,
  ): Promise<{ outcome: "suppressed" | "unchanged" | "unknown"; userId?: string }> {
    const profile = await this.findByEmail(address);
    if (!profile) return { outcome: "unknown" };
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { userId: profile.userId },
          UpdateExpression: "SET #suppressedEmail = :address, #suppressedAt = :at, #reason = :reason",
          ConditionExpression:
            "#email = :address AND (attribute_not_exists(#suppressedEmail) OR #suppressedEmail <> :address)",
          ExpressionAttributeNames: {
            "#email": "email",
            "#suppressedEmail": "suppressedEmail",
            "#suppressedAt": "suppressedAt",
            "#reason": "suppressionReason",
          },
          ExpressionAttributeValues: { ":address": address, ":at": at, ":reason": reason },
        }),
      );
      return { outcome: "suppressed", userId: profile.userId };
    } catch (error) {
      const domainError = toDomainError(error);
      if (isConditionFailure(domainError)) {
        return { outcome: "unchanged", userId: profile.userId };
      }
      throw domainError;
    }
  }

  /**
   * Creates or updates a profile in one UpdateItem: given fields are set, absent ones get
   * defaults only if the profile is new, and counters written by the aggregator are kept.
   * A member's profile is marked as such (the directory lists it), and the directory's sort
   * key follows the display name in the same update.
   */
  async upsert(
    userId: string,
    update: ProfileUpdate,
    identity: {
      email?: string | undefined;
      defaultDisplayName?: string;
      isMember?: boolean;
      /** A newly uploaded photo made the profile's: marked to keep (see UNCONFIRMED_PHOTO_KEY). */
      uploadedPhotoKey?: string;
    } = {},
  ): Promise<Profile> {
    const now = this.timestamp();
    const defaults: Record<string, unknown> = {
      ...this.newProfileDefaults(now),
      displayName: identity.defaultDisplayName ?? "",
    };
    const set: Record<string, unknown> = { updatedAt: now };
    const { notificationPreferences: preferences, ...fields } = update;
    for (const [field, value] of Object.entries(fields)) {
      if (value === undefined) continue;
      set[field] = value;
      delete defaults[field];
    }
    if (update.displayName !== undefined) set.directoryName = directoryNameOf(update.displayName, userId);
    else defaults.directoryName = directoryNameOf(defaults.displayName as string, userId);
    if (identity.email) set.email = identity.email.toLowerCase();
    if (identity.isMember) set.membership = MEMBER;
    if (identity.uploadedPhotoKey) set[UNCONFIRMED_PHOTO_KEY] = identity.uploadedPhotoKey;
    const given = Object.entries(preferences ?? {}).filter(([, value]) => value !== undefined);
    if (given.length === 0) {
      return this.updateProfile(userId, { set, setIfNotExists: { ...defaults, commentCount: 0 } });
    }
    // Only the kinds given change: each is set inside the stored map, in the same UpdateItem
    // (no read first). A row without a map yet (new, or written by the aggregator only) fails
    // that update's condition and gets the defaults with the given kinds in a second one.
    delete defaults.notificationPreferences;
    try {
      return await this.updateProfile(
        userId,
        {
          set,
          setIfNotExists: { ...defaults, commentCount: 0 },
          setInMap: { notificationPreferences: Object.fromEntries(given) },
        },
        {
          expression: "attribute_type(#prefsMap, :map)",
          names: { "#prefsMap": "notificationPreferences" },
          values: { ":map": "M" },
        },
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
    return this.updateProfile(
      userId,
      {
        set: { ...set, notificationPreferences: { ...DEFAULT_NOTIFICATION_PREFERENCES, ...preferences } },
        setIfNotExists: { ...defaults, commentCount: 0 },
      },
      {
        expression: "attribute_not_exists(#prefsMap)",
        names: { "#prefsMap": "notificationPreferences" },
        values: {},
      },
    );
  }

  /**
   * What a sign-in does: creates the profile if there is none (name and email from the user
   * pool, everything else defaults) and never overwrites a field of an existing one; only
   * the membership mark follows the person's groups at every sign-in, except that someone an
   * admin revoked stays `revoked` while they are in no group. One UpdateItem, two when the
   * person is in no group and was not pending already. `leftGroups` is true when a member's
   * profile became pending: they were taken out of the groups outside Hearth.
   */
  async ensureOnSignIn(
    userId: string,
    identity: SignInIdentity,
  ): Promise<{ profile: Profile; leftGroups: boolean }> {
    const now = this.timestamp();
    const displayName = identity.displayName.trim().slice(0, LIMITS.displayName);
    const spec = (membership: MembershipStatus | undefined): UpdateSpec => ({
      set: {
        ...(membership ? { membership } : {}),
        ...(identity.email ? { email: identity.email.toLowerCase() } : {}),
        ...(identity.cognitoUsername ? { cognitoUsername: identity.cognitoUsername } : {}),
      },
      setIfNotExists: {
        ...this.newProfileDefaults(now),
        displayName,
        directoryName: directoryNameOf(displayName, userId),
        updatedAt: now,
        commentCount: 0,
      },
    });
    if (identity.isMember)
      return { profile: await this.updateProfile(userId, spec(MEMBER)), leftGroups: false };
    let before: Record<string, unknown> | undefined;
    try {
      const profile = await this.updateProfile(userId, spec(PENDING), {
        expression: "attribute_not_exists(#membership) OR #membership = :pending",
        names: { "#membership": "membership" },
        values: { ":pending": PENDING },
      });
      return { profile, leftGroups: false };
    } catch (error) {
      before = itemAtConditionFailure((error as { cause?: unknown }).cause ?? error);
      if (!isConditionFailure(error)) throw error;
    }
    const wasRevoked = before?.membership === REVOKED;
    const profile = await this.updateProfile(userId, spec(wasRevoked ? undefined : PENDING));
    return { profile, leftGroups: before?.membership === MEMBER };
  }

  /**
   * The member directory (or, with `pending`, the people waiting for approval): by display
   * name (case-insensitive), one Query per page.
   */
  async listMembers(page: PageRequest, membership: MembershipStatus = MEMBER): Promise<Page<Profile>> {
    const result = await queryPage<Record<string, unknown>>(
      this.doc,
      this.cursors,
      {
        tableName: this.table,
        indexName: "MemberDirectoryIndex",
        keyAttributes: ["userId", "membership", "directoryName"],
        partitionKey: { name: "membership", value: membership },
        scanIndexForward: true,
      },
      page,
    );
    return { items: result.items.map(toProfile), nextCursor: result.nextCursor };
  }

  /**
   * Makes a saved profile a member's, recording who approved it and when: one conditional
   * UpdateItem that only a profile not yet a member's passes, so of two approvals (or a
   * retry) exactly one writes `approvedAt`, which is what sends the welcome email. `changed`
   * is false when the profile was a member's already; NotFoundError when there is none.
   */
  async approve(userId: string, approvedBy: string): Promise<{ profile: Profile; changed: boolean }> {
    const now = this.timestamp();
    try {
      const output = await this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { userId },
          UpdateExpression:
            "SET #membership = :member, #approvedBy = :approvedBy, #approvedAt = :now, #updatedAt = :now",
          ConditionExpression:
            "attribute_exists(#createdAt) AND (attribute_not_exists(#membership) OR #membership <> :member)",
          ExpressionAttributeNames: {
            "#membership": "membership",
            "#approvedBy": "approvedBy",
            "#approvedAt": "approvedAt",
            "#updatedAt": "updatedAt",
            "#createdAt": "createdAt",
          },
          ExpressionAttributeValues: { ":member": MEMBER, ":approvedBy": approvedBy, ":now": now },
          ReturnValues: "ALL_NEW",
        }),
      );
      return { profile: toProfile(output.Attributes ?? {}), changed: true };
    } catch (error) {
      const domainError = toDomainError(error);
      if (!isConditionFailure(domainError)) throw domainError;
    }
    const current = await this.get(userId);
    if (!current) throw new NotFoundError("Profile not found");
    return { profile: current, changed: false };
  }

  /**
   * Ends a person's membership: the profile is marked `revoked` (out of the directory, listed
   * apart for admins) and their tokens are put on the revocation list, in one transaction
   * that only a saved profile not revoked yet passes. False when it was revoked already, or
   * is gone (nothing written).
   */
  async revoke(userId: string, revokedBy: string, revocations: RevocationsRepository): Promise<boolean> {
    const at = this.now();
    const now = at.toISOString();
    try {
      await transactWrite(this.doc, [
        {
          Update: {
            TableName: this.table,
            Key: { userId },
            UpdateExpression:
              "SET #membership = :revoked, #revokedBy = :revokedBy, #revokedAt = :now, #updatedAt = :now",
            ConditionExpression:
              "attribute_exists(#createdAt) AND (attribute_not_exists(#membership) OR #membership <> :revoked)",
            ExpressionAttributeNames: {
              "#membership": "membership",
              "#revokedBy": "revokedBy",
              "#revokedAt": "revokedAt",
              "#updatedAt": "updatedAt",
              "#createdAt": "createdAt",
            },
            ExpressionAttributeValues: { ":revoked": REVOKED, ":revokedBy": revokedBy, ":now": now },
          },
        },
        revocations.revocationPut(userId, "revoked", at),
      ]);
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      return false;
    }
    return true;
  }

  private newProfileDefaults(now: string): Record<string, unknown> {
    return {
      bio: "",
      profilePhotoUrl: null,
      isProfilePrivate: false,
      notificationPreferences: DEFAULT_NOTIFICATION_PREFERENCES,
      createdAt: now,
    };
  }

  /**
   * Runs a profile update and returns the new profile. A row saved before the directory
   * existed has a display name but no (or a stale) sort key, which `if_not_exists` would
   * fill from the wrong name: that rare case is corrected with one conditional update.
   */
  private async updateProfile(
    userId: string,
    spec: UpdateSpec,
    condition?: { expression: string; names: Record<string, string>; values: Record<string, unknown> },
  ): Promise<Profile> {
    let attributes: Record<string, unknown>;
    try {
      const update = buildUpdateExpression(spec);
      const conditioned = condition
        ? {
            ...update,
            ConditionExpression: condition.expression,
            ExpressionAttributeNames: { ...update.ExpressionAttributeNames, ...condition.names },
            ExpressionAttributeValues: { ...update.ExpressionAttributeValues, ...condition.values },
          }
        : update;
      const output = await this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { userId },
          ...withNotDeleted(conditioned),
          // The item as it was, when a condition fails: a tombstone, or the caller's own condition.
          ReturnValuesOnConditionCheckFailure: "ALL_OLD",
          ReturnValues: "ALL_NEW",
        }),
      );
      attributes = output.Attributes ?? {};
    } catch (error) {
      const domainError = toDomainError(error);
      // A tombstone fails every profile write: a deleted member is not recreated.
      if (isConditionFailure(domainError) && itemAtConditionFailure(error)?.[DELETED_AT] !== undefined) {
        throw new AccountDeletedError();
      }
      throw domainError;
    }
    const expected = directoryNameOf((attributes.displayName as string | undefined) ?? "", userId);
    if (attributes.directoryName !== expected) await this.repairDirectoryName(userId, attributes, expected);
    return toProfile(attributes);
  }

  private async repairDirectoryName(
    userId: string,
    attributes: Record<string, unknown>,
    expected: string,
  ): Promise<void> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { userId },
          UpdateExpression: "SET #directoryName = :expected",
          // Only if the name is still the one read: a newer rename has set its own key.
          ConditionExpression: "#displayName = :seen",
          ExpressionAttributeNames: { "#directoryName": "directoryName", "#displayName": "displayName" },
          ExpressionAttributeValues: { ":expected": expected, ":seen": attributes.displayName ?? "" },
        }),
      );
    } catch (error) {
      const domainError = toDomainError(error);
      if (isConditionFailure(domainError)) return;
      throw domainError;
    }
    attributes.directoryName = expected;
  }

  /**
   * Adds `delta` to the comment count (atomic ADD; never read-modify-write). A deleted
   * member's tombstone is left as it is (a late comment event counts for nobody).
   */
  async addToCommentCount(userId: string, delta: number): Promise<void> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { userId },
          ...withNotDeleted(buildUpdateExpression({ add: { commentCount: delta } })),
        }),
      );
    } catch (error) {
      const domainError = toDomainError(error);
      if (isConditionFailure(domainError)) return;
      throw domainError;
    }
  }

  /**
   * Moves `lastActive` forward to `at`; an older time (a late or redelivered event) changes
   * nothing, and neither does any event of a deleted member (their tombstone stays bare).
   */
  async touchLastActive(userId: string, at: string): Promise<boolean> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { userId },
          UpdateExpression: "SET #lastActive = :at",
          ConditionExpression: `(attribute_not_exists(#lastActive) OR #lastActive < :at) AND ${NOT_DELETED}`,
          ExpressionAttributeNames: { "#lastActive": "lastActive" },
          ExpressionAttributeValues: { ":at": at },
        }),
      );
      return true;
    } catch (error) {
      const domainError = toDomainError(error);
      if (isConditionFailure(domainError)) return false;
      throw domainError;
    }
  }

  /**
   * Claims the right to email `userId` about `kind` now, on behalf of the event `eventKey`:
   * one conditional update, so of two concurrent deliveries only one wins. When an email of
   * that kind went out within the window, the claim fails and says when that window started
   * and whether it was this same event that claimed it (a retried record whose email went
   * out); `windowStart` is null when there is no saved profile to email.
   */
  async claimNotificationSlot(
    userId: string,
    kind: NotificationKind,
    now: Date,
    windowSeconds: number,
    eventKey: string,
  ): Promise<NotificationSlotClaim> {
    const threshold = new Date(now.getTime() - windowSeconds * 1000).toISOString();
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { userId },
          UpdateExpression: "SET #last = :now, #event = :event",
          ConditionExpression:
            "attribute_exists(#createdAt) AND (attribute_not_exists(#last) OR #last <= :threshold)",
          ExpressionAttributeNames: {
            "#last": lastEmailedAttribute(kind),
            "#event": lastEmailedEventAttribute(kind),
            "#createdAt": "createdAt",
          },
          ExpressionAttributeValues: {
            ":now": now.toISOString(),
            ":threshold": threshold,
            ":event": eventKey,
          },
          ReturnValuesOnConditionCheckFailure: "ALL_OLD",
        }),
      );
      return { claimed: true };
    } catch (error) {
      const domainError = toDomainError(error);
      if (!isConditionFailure(domainError)) throw domainError;
      const current = itemAtConditionFailure(error);
      const windowStart = isSavedProfile(current) ? current[lastEmailedAttribute(kind)] : undefined;
      return {
        claimed: false,
        windowStart: typeof windowStart === "string" ? windowStart : null,
        sameEvent: current?.[lastEmailedEventAttribute(kind)] === eventKey,
      };
    }
  }

  /**
   * Moves a taken slot on to a new window starting `now`, claimed by `eventKey`, if its window
   * is still the one that started at `windowStart` (that window's digest has closed it). False
   * when the slot has moved on meanwhile.
   */
  async reopenNotificationSlot(
    userId: string,
    kind: NotificationKind,
    windowStart: string,
    now: Date,
    eventKey: string,
  ): Promise<boolean> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { userId },
          UpdateExpression: "SET #last = :now, #event = :event",
          ConditionExpression: "#last = :windowStart",
          ExpressionAttributeNames: {
            "#last": lastEmailedAttribute(kind),
            "#event": lastEmailedEventAttribute(kind),
          },
          ExpressionAttributeValues: {
            ":now": now.toISOString(),
            ":windowStart": windowStart,
            ":event": eventKey,
          },
        }),
      );
      return true;
    } catch (error) {
      const domainError = toDomainError(error);
      if (isConditionFailure(domainError)) return false;
      throw domainError;
    }
  }

  /**
   * Turns one kind of notification email off (an unsubscribe link): the one preference set to
   * false, nothing else touched, never a profile created. A row without preferences (written
   * by the activity aggregator only) gets the defaults with that one off. False when there is
   * no saved profile.
   */
  async turnOffNotifications(userId: string, preference: keyof NotificationPreferences): Promise<boolean> {
    const now = this.timestamp();
    const attempts: Omit<UpdateCommandInput, "TableName" | "Key">[] = [
      {
        UpdateExpression: "SET #prefs.#kind = :off, #updatedAt = :now",
        ConditionExpression: "attribute_exists(#createdAt) AND attribute_type(#prefs, :map)",
        ExpressionAttributeNames: {
          "#prefs": "notificationPreferences",
          "#kind": preference,
          "#createdAt": "createdAt",
          "#updatedAt": "updatedAt",
        },
        ExpressionAttributeValues: { ":off": false, ":now": now, ":map": "M" },
      },
      {
        UpdateExpression: "SET #prefs = :prefs, #updatedAt = :now",
        ConditionExpression: "attribute_exists(#createdAt) AND attribute_not_exists(#prefs)",
        ExpressionAttributeNames: {
          "#prefs": "notificationPreferences",
          "#createdAt": "createdAt",
          "#updatedAt": "updatedAt",
        },
        ExpressionAttributeValues: {
          ":prefs": { ...DEFAULT_NOTIFICATION_PREFERENCES, [preference]: false },
          ":now": now,
        },
      },
    ];
    for (const attempt of attempts) {
      try {
        await this.doc.send(new UpdateCommand({ TableName: this.table, Key: { userId }, ...attempt }));
        return true;
      } catch (error) {
        const domainError = toDomainError(error);
        if (!isConditionFailure(domainError)) throw domainError;
      }
    }
    return false;
  }

  /** Gives a claimed slot back (the email could not be sent), so a retry may send it. */
  async releaseNotificationSlot(userId: string, kind: NotificationKind, claimedAt: Date): Promise<void> {
    const attribute = lastEmailedAttribute(kind);
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { userId },
          UpdateExpression: "REMOVE #last, #event",
          ConditionExpression: "#last = :claimedAt",
          ExpressionAttributeNames: { "#last": attribute, "#event": lastEmailedEventAttribute(kind) },
          ExpressionAttributeValues: { ":claimedAt": claimedAt.toISOString() },
        }),
      );
    } catch (error) {
      const domainError = toDomainError(error);
      if (isConditionFailure(domainError)) return;
      throw domainError;
    }
  }
}
