import { UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { batchWriteAll } from "../dynamo/batch.js";
import { conditionFailedAt, isConditionFailure } from "../dynamo/conditions.js";
import {
  type KeyPage,
  type KeyPageRequest,
  partitionQuery,
  queryAll,
  queryKeyPage,
} from "../dynamo/query.js";
import { transactWrite } from "../dynamo/transactions.js";
import { isExpired, ttlAfter } from "../dynamo/ttl.js";
import type { NotificationKind } from "../entities.js";
import { toDomainError } from "../errors.js";
import { FORMER_MEMBER } from "../rules/names.js";
import { Repository } from "./context.js";

/** Held events and their window's state stay this long after the window closed. */
export const HELD_NOTIFICATION_RETENTION_SECONDS = 2 * 24 * 60 * 60;

/** One recipient's window of one kind: its start is the claimedAt of the email that opened it. */
export interface DigestWindow {
  userId: string;
  kind: NotificationKind;
  /** ISO timestamp: when the window's first email was sent (the slot's claimedAt). */
  windowStart: string;
}

/** An event held for a window's digest: what the digest lists about it. */
export interface HeldNotification extends DigestWindow {
  /** The in-app feed entry of the same event (the digest leaves out the ones read there). */
  notificationId: string;
  actor: { userId: string; displayName: string };
  itemId: string | null;
  itemTitle: string | null;
  conversationId: string | null;
  conversationTitle: string | null;
  createdAt: string;
}

/** What holding an event found: held now, held before (a redelivery), or the window's digest already claimed. */
export type HoldOutcome = "held" | "already-held" | "window-closed";

const windowKey = ({ kind, windowStart }: Omit<DigestWindow, "userId">) => `${kind}#${windowStart}`;
const heldKey = (held: Omit<HeldNotification, "userId">) => `${windowKey(held)}#${held.notificationId}`;

/**
 * Events held for digests (table HeldNotifications). The window's state item carries the
 * digest's claim; a hold is written in one transaction with a check that the claim is not
 * there, so an event is either in the digest's Query or told the window is closed - never lost.
 */
export class HeldNotificationsRepository extends Repository {
  private stateKey(window: DigestWindow) {
    return { userId: window.userId, heldKey: windowKey(window) };
  }

  private expiry(windowEnd: Date): number {
    return ttlAfter(HELD_NOTIFICATION_RETENTION_SECONDS, windowEnd);
  }

  /**
   * Holds `event` for its window's digest (the window ends at `windowEnd`). Idempotent by
   * key: the same event held again is "already-held" and changes nothing, even after the
   * digest went out. "window-closed" when the window's digest has been claimed and the event
   * is not in it.
   */
  async hold(event: HeldNotification, windowEnd: Date): Promise<HoldOutcome> {
    const expiresAt = this.expiry(windowEnd);
    try {
      await transactWrite(this.doc, [
        {
          Put: {
            TableName: this.tables.HeldNotifications,
            // The actor's id on top too: the actor index finds it when their account goes.
            Item: { ...event, heldKey: heldKey(event), expiresAt, actorId: event.actor.userId },
            ConditionExpression: "attribute_not_exists(heldKey)",
          },
        },
        {
          Update: {
            TableName: this.tables.HeldNotifications,
            Key: this.stateKey(event),
            UpdateExpression: "SET #expiresAt = :expiresAt, #windowEnd = :windowEnd",
            ConditionExpression: "attribute_not_exists(#claimedAt)",
            ExpressionAttributeNames: {
              "#expiresAt": "expiresAt",
              "#windowEnd": "windowEnd",
              "#claimedAt": "digestClaimedAt",
            },
            ExpressionAttributeValues: { ":expiresAt": expiresAt, ":windowEnd": windowEnd.toISOString() },
          },
        },
      ]);
      return "held";
    } catch (error) {
      if (conditionFailedAt(error, 0)) return "already-held";
      if (conditionFailedAt(error, 1)) return "window-closed";
      throw error;
    }
  }

  /**
   * Marks the window's digest as scheduled by the event `eventKey`; true when that event is
   * the one to create the schedule (the first to get here, or the same event again after its
   * schedule could not be created). False when another event scheduled it or the digest ran.
   */
  async claimSchedule(window: DigestWindow, eventKey: string): Promise<boolean> {
    return this.conditionalUpdate(window, {
      update: "SET #by = :by",
      condition:
        "(attribute_not_exists(#by) OR (#by = :by AND attribute_not_exists(#scheduledAt))) AND " +
        "attribute_not_exists(#claimedAt)",
      names: { "#by": "scheduledBy", "#scheduledAt": "scheduledAt", "#claimedAt": "digestClaimedAt" },
      values: { ":by": eventKey },
    });
  }

  /** Records that the window's schedule exists: the scheduling event's retries create none again. */
  async markScheduled(window: DigestWindow, eventKey: string): Promise<void> {
    await this.conditionalUpdate(window, {
      update: "SET #scheduledAt = :now",
      condition: "#by = :by",
      names: { "#by": "scheduledBy", "#scheduledAt": "scheduledAt" },
      values: { ":by": eventKey, ":now": this.timestamp() },
    });
  }

  /** Gives the schedule mark back (creating the schedule failed), so a later event schedules. */
  async releaseSchedule(window: DigestWindow, eventKey: string): Promise<void> {
    await this.conditionalUpdate(window, {
      update: "REMOVE #by",
      condition: "#by = :by AND attribute_not_exists(#scheduledAt)",
      names: { "#by": "scheduledBy", "#scheduledAt": "scheduledAt" },
      values: { ":by": eventKey },
    });
  }

  /**
   * Claims the window's digest at `now`: true for exactly one caller until the claim is
   * released. A claim older than `leaseSeconds` whose digest never went out (its function
   * died mid-way) may be taken over. Holds after the claim find the window closed.
   */
  async claimDigest(window: DigestWindow, now: Date, leaseSeconds: number): Promise<boolean> {
    const leaseExpired = new Date(now.getTime() - leaseSeconds * 1000).toISOString();
    return this.conditionalUpdate(window, {
      update: "SET #claimedAt = :now",
      condition:
        "attribute_exists(#windowEnd) AND attribute_not_exists(#sentAt) AND " +
        "(attribute_not_exists(#claimedAt) OR #claimedAt < :leaseExpired)",
      names: { "#claimedAt": "digestClaimedAt", "#sentAt": "digestSentAt", "#windowEnd": "windowEnd" },
      values: { ":now": now.toISOString(), ":leaseExpired": leaseExpired },
    });
  }

  /** Gives a digest claim back (its email could not be sent), so the trigger's retry sends it. */
  async releaseDigest(window: DigestWindow, claimedAt: Date): Promise<void> {
    await this.conditionalUpdate(window, {
      update: "REMOVE #claimedAt",
      condition: "#claimedAt = :claimedAt AND attribute_not_exists(#sentAt)",
      names: { "#claimedAt": "digestClaimedAt", "#sentAt": "digestSentAt" },
      values: { ":claimedAt": claimedAt.toISOString() },
    });
  }

  /** Records that the claimed digest is done (sent, or nothing to send): no claim is taken again. */
  async completeDigest(window: DigestWindow, claimedAt: Date, listed: number): Promise<void> {
    await this.conditionalUpdate(window, {
      update: "SET #sentAt = :now, #listed = :listed",
      condition: "#claimedAt = :claimedAt",
      names: { "#claimedAt": "digestClaimedAt", "#sentAt": "digestSentAt", "#listed": "digestListed" },
      values: { ":claimedAt": claimedAt.toISOString(), ":now": this.timestamp(), ":listed": listed },
    });
  }

  /** The events held for one window, oldest first (one strongly consistent Query page walk). */
  async heldInWindow(window: DigestWindow): Promise<HeldNotification[]> {
    const held: HeldNotification[] = [];
    for await (const item of queryAll<Record<string, unknown>>(this.doc, {
      TableName: this.tables.HeldNotifications,
      KeyConditionExpression: "#pk = :pk AND begins_with(#sk, :prefix)",
      ExpressionAttributeNames: { "#pk": "userId", "#sk": "heldKey" },
      ExpressionAttributeValues: { ":pk": window.userId, ":prefix": `${windowKey(window)}#` },
      ConsistentRead: true,
    })) {
      if (isExpired(item, "expiresAt", this.now())) continue;
      const { heldKey: _key, expiresAt: _expiresAt, ...event } = item;
      held.push(event as unknown as HeldNotification);
    }
    return held.sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  }

  /** Deletes everything held for the member (account deletion). Returns how many items went. */
  async removeAllForUser(userId: string): Promise<number> {
    const keys: { userId: string; heldKey: string }[] = [];
    for await (const item of queryAll<{ userId: string; heldKey: string }>(this.doc, {
      TableName: this.tables.HeldNotifications,
      KeyConditionExpression: "#pk = :pk",
      ProjectionExpression: "#pk, #sk",
      ExpressionAttributeNames: { "#pk": "userId", "#sk": "heldKey" },
      ExpressionAttributeValues: { ":pk": userId },
      ConsistentRead: true,
    })) {
      keys.push({ userId: item.userId, heldKey: item.heldKey });
    }
    await batchWriteAll(
      this.doc,
      this.tables.HeldNotifications,
      keys.map((key) => ({ delete: key })),
    );
    return keys.length;
  }

  /**
   * One page of the events held for others' digests about what `actorId` did (the actor
   * index, keys only); rewritten ones stay listed.
   */
  listByActor(actorId: string, page: KeyPageRequest): Promise<KeyPage<{ userId: string; heldKey: string }>> {
    return queryKeyPage(
      this.doc,
      partitionQuery({
        tableName: this.tables.HeldNotifications,
        indexName: "ActorIndex",
        key: { name: "actorId", value: actorId },
      }),
      page,
    );
  }

  /** Shows a held event's actor as a former member (their account was deleted); never creates one. */
  async forgetActor(key: { userId: string; heldKey: string }): Promise<boolean> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tables.HeldNotifications,
          Key: { userId: key.userId, heldKey: key.heldKey },
          UpdateExpression: "SET #actor.#name = :former",
          ConditionExpression: "attribute_exists(#key) AND #actor.#name <> :former",
          ExpressionAttributeNames: { "#actor": "actor", "#name": "displayName", "#key": "heldKey" },
          ExpressionAttributeValues: { ":former": FORMER_MEMBER },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw toDomainError(error);
    }
  }

  private async conditionalUpdate(
    window: DigestWindow,
    expression: {
      update: string;
      condition: string;
      names: Record<string, string>;
      values: Record<string, unknown>;
    },
  ): Promise<boolean> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tables.HeldNotifications,
          Key: this.stateKey(window),
          UpdateExpression: expression.update,
          ConditionExpression: expression.condition,
          ExpressionAttributeNames: expression.names,
          ExpressionAttributeValues: expression.values,
        }),
      );
      return true;
    } catch (error) {
      const domainError = toDomainError(error);
      if (isConditionFailure(domainError)) return false;
      throw domainError;
    }
  }
}
