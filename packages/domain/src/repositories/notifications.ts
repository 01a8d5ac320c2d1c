import { createHash } from "node:crypto";
import { GetCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { batchGetAll, batchWriteAll } from "../dynamo/batch.js";
import { conditionFailedAt, isConditionFailure, itemAtCancellation } from "../dynamo/conditions.js";
import {
  type KeyPage,
  type KeyPageRequest,
  type Page,
  type PageRequest,
  partitionQuery,
  queryAll,
  queryKeyPage,
  queryPage,
} from "../dynamo/query.js";
import { MAX_TRANSACTION_ITEMS, type TransactItem, transactWrite } from "../dynamo/transactions.js";
import { isExpired, toEpochSeconds, ttlAfter } from "../dynamo/ttl.js";
import {
  NOTIFICATION_PREVIEW_LENGTH,
  type Notification,
  type NotificationKind,
  type ReactionKind,
} from "../entities.js";
import { NotFoundError, toDomainError } from "../errors.js";
import { FORMER_MEMBER } from "../rules/names.js";
import { Repository } from "./context.js";

/** Feed entries expire (TTL) this long after they were written. */
export const NOTIFICATION_TTL_SECONDS = 90 * 24 * 60 * 60;
/**
 * The sort key of a member's unread counter, in their own partition: `#` sorts before every
 * digit, so before every notification id (which start with the year), and lists skip it.
 */
export const UNREAD_COUNTER_ID = "#unread";
/**
 * The sort-key prefix of a member's "once" markers (see `NewNotification.once`): `#` sorts
 * below every entry id and `o` below the counter's `u`, so lists and marks skip them too.
 */
const ONCE_MARKER_PREFIX = "#once#";
/** No notification id sorts below this (they all start with a four-digit year). */
const LOWEST_NOTIFICATION_ID = "0";

/** The feed id of a stream record for its recipients: sorts by time, the same for a redelivery. */
export function notificationIdFor(createdAt: string, sourceEventId: string): string {
  const hash = createHash("sha256").update(sourceEventId).digest("hex").slice(0, 12);
  return `${new Date(createdAt).toISOString()}#${hash}`;
}

/**
 * A comment's or message's text as a feed preview: on one line, at most
 * NOTIFICATION_PREVIEW_LENGTH characters, cut between code points (never half an emoji,
 * which could not be stored) with an ellipsis. No HTML reduction here: both texts were
 * reduced to plain text on the way in (`sanitizeText` reaches a fixed point), and leaving it
 * out keeps the HTML parser out of every bundle that builds the repositories.
 */
export function notificationPreview(text: string): string {
  const flat = text.replace(/[\s\p{Cc}]+/gu, " ").trim();
  if (flat.length <= NOTIFICATION_PREVIEW_LENGTH) return flat;
  let cut = "";
  for (const codePoint of flat) {
    if (cut.length + codePoint.length > NOTIFICATION_PREVIEW_LENGTH - 1) break;
    cut += codePoint;
  }
  return `${cut}…`;
}

/** One event as the feed of each recipient shows it. */
export interface NewNotification {
  /** The stream record's eventID: what makes a redelivery write nothing new. */
  sourceEventId: string;
  kind: NotificationKind;
  actor: { userId: string; displayName: string };
  itemId?: string | null;
  itemTitle?: string | null;
  commentId?: string | null;
  conversationId?: string | null;
  /** The comment's or message's text; reduced to the preview here. */
  text: string;
  /** On a reaction: its kind. */
  reactionKind?: ReactionKind | undefined;
  createdAt: string;
  /**
   * What makes repeats of the event one entry (a like toggled again and again: the comment
   * and the liker): while a recipient's entry for it is unread and not expired, a repeat
   * writes none. Without it every event gets its own entry.
   */
  once?: string | undefined;
}

/** A member's marker of the entry written for a `once` key (its id in their feed). */
interface OnceMarker {
  userId: string;
  notificationId: string;
  entryId: string;
  expiresAt: number;
}

function onceMarkerId(once: string): string {
  return `${ONCE_MARKER_PREFIX}${createHash("sha256").update(once).digest("hex").slice(0, 32)}`;
}

export type MarkReadTarget = { upTo: string } | { all: true };

export interface NotificationPage extends Page<Notification> {
  unreadCount: number;
}

/** Updates per mark-read transaction: the rest of the transaction's room is the counter's. */
const MARKS_PER_TRANSACTION = MAX_TRANSACTION_ITEMS - 1;
/** How often a mark-read chunk goes again on a counter that moved before it gives up knowing the count. */
const COUNTER_CONDITION_ATTEMPTS = 5;

/** What a mark-read knows of the counter: its stored value (undefined: no counter yet), or nothing. */
type CounterState = { known: true; value: number | undefined } | { known: false };

function counterOf(item: Record<string, unknown> | undefined): number | undefined {
  return typeof item?.unreadCount === "number" ? item.unreadCount : undefined;
}

export class NotificationsRepository extends Repository {
  private counterKey(userId: string) {
    return { userId, notificationId: UNREAD_COUNTER_ID };
  }

  /** `ADD delta` to the counter; with `expected`, only while it holds exactly that value (its item back when not). */
  private counterUpdate(
    userId: string,
    delta: number,
    expected?: { value: number | undefined },
  ): TransactItem {
    const condition =
      expected === undefined
        ? {}
        : expected.value === undefined
          ? { ConditionExpression: "attribute_not_exists(#count)" }
          : { ConditionExpression: "#count = :expected" };
    return {
      Update: {
        TableName: this.tables.Notifications,
        Key: this.counterKey(userId),
        UpdateExpression: "ADD #count :delta",
        ...condition,
        ExpressionAttributeNames: { "#count": "unreadCount" },
        ExpressionAttributeValues: {
          ":delta": delta,
          ...(expected?.value === undefined ? {} : { ":expected": expected.value }),
        },
        ...(expected === undefined ? {} : { ReturnValuesOnConditionCheckFailure: "ALL_OLD" as const }),
      },
    };
  }

  /** The counter as stored: undefined when the member has none yet. */
  private async counterValue(userId: string): Promise<number | undefined> {
    try {
      const output = await this.doc.send(
        new GetCommand({
          TableName: this.tables.Notifications,
          Key: this.counterKey(userId),
          ConsistentRead: true,
        }),
      );
      return counterOf(output.Item);
    } catch (error) {
      throw toDomainError(error);
    }
  }

  /**
   * Adds the event to each recipient's feed, unread, with their counter raised in the same
   * transaction. An entry already there (a redelivered record) is left as it is and not
   * counted again. An event with a `once` key writes no entry for a recipient whose entry for
   * that key is still unread: the recipient's marker of that entry is read first, and the
   * new entry is written only together with the marker moved to it, conditioned on the
   * marker being as read, so repeats processed at once still leave one entry. Returns how
   * many entries were new.
   */
  async addForRecipients(recipientIds: readonly string[], event: NewNotification): Promise<number> {
    const notificationId = notificationIdFor(event.createdAt, event.sourceEventId);
    const written = await Promise.all(
      [...new Set(recipientIds)].map(async (userId) => {
        const marker = event.once === undefined ? undefined : await this.onceMarker(userId, event.once);
        if (marker?.pending) return false;
        const entry: Notification = {
          userId,
          notificationId,
          kind: event.kind,
          actor: event.actor,
          itemId: event.itemId ?? null,
          itemTitle: event.itemTitle ?? null,
          commentId: event.commentId ?? null,
          conversationId: event.conversationId ?? null,
          preview: notificationPreview(event.text),
          ...(event.reactionKind ? { reactionKind: event.reactionKind } : {}),
          createdAt: event.createdAt,
          read: false,
          expiresAt: ttlAfter(NOTIFICATION_TTL_SECONDS, this.now()),
        };
        const markerPut: TransactItem[] =
          event.once === undefined
            ? []
            : [
                {
                  Put: {
                    TableName: this.tables.Notifications,
                    Item: {
                      userId,
                      notificationId: onceMarkerId(event.once),
                      entryId: notificationId,
                      expiresAt: entry.expiresAt,
                    } satisfies OnceMarker,
                    ConditionExpression:
                      marker?.entryId === undefined
                        ? "attribute_not_exists(notificationId)"
                        : "entryId = :seen",
                    ...(marker?.entryId === undefined
                      ? {}
                      : { ExpressionAttributeValues: { ":seen": marker.entryId } }),
                  },
                },
              ];
        try {
          await transactWrite(this.doc, [
            {
              Put: {
                TableName: this.tables.Notifications,
                // The actor's id on top too: the actor index finds it when their account goes.
                Item: { ...entry, actorId: event.actor.userId },
                ConditionExpression: "attribute_not_exists(notificationId)",
              },
            },
            ...markerPut,
            this.counterUpdate(userId, 1),
          ]);
          return true;
        } catch (error) {
          // Already written (a redelivery), or a repeat processed alongside got its entry in first.
          if (conditionFailedAt(error, 0) || (markerPut.length > 0 && conditionFailedAt(error, 1)))
            return false;
          throw error;
        }
      }),
    );
    return written.filter(Boolean).length;
  }

  /**
   * The recipient's marker for a `once` key (strongly consistent) and whether the entry it
   * names is still pending: there, unread and not expired (then a repeat writes nothing).
   * A redelivery of the very record that wrote the entry is let through: its entry's put
   * finds it there and counts nothing.
   */
  private async onceMarker(
    userId: string,
    once: string,
  ): Promise<{ entryId: string | undefined; pending: boolean }> {
    try {
      const output = await this.doc.send(
        new GetCommand({
          TableName: this.tables.Notifications,
          Key: { userId, notificationId: onceMarkerId(once) },
          ConsistentRead: true,
        }),
      );
      const marker = output.Item as OnceMarker | undefined;
      if (!marker) return { entryId: undefined, pending: false };
      if (isExpired({ ...marker }, "expiresAt", this.now()))
        return { entryId: marker.entryId, pending: false };
      const entry = await this.doc.send(
        new GetCommand({
          TableName: this.tables.Notifications,
          Key: { userId, notificationId: marker.entryId },
          ProjectionExpression: "#read, expiresAt",
          ExpressionAttributeNames: { "#read": "read" },
          ConsistentRead: true,
        }),
      );
      const pending = entry.Item?.read === false && !isExpired(entry.Item, "expiresAt", this.now());
      return { entryId: marker.entryId, pending };
    } catch (error) {
      throw toDomainError(error);
    }
  }

  /**
   * Which of `notificationIds` are still unread in the member's feed (strongly consistent
   * BatchGets, 100 keys each): entries read, expired or gone are left out.
   */
  async unreadAmong(userId: string, notificationIds: readonly string[]): Promise<Set<string>> {
    const ids = [...new Set(notificationIds)].filter((id) => id !== UNREAD_COUNTER_ID);
    if (ids.length === 0) return new Set();
    const found = await batchGetAll<{ notificationId: string; read?: boolean; expiresAt?: number }>(
      this.doc,
      this.tables.Notifications,
      ids.map((notificationId) => ({ userId, notificationId })),
      { consistentRead: true, projection: ["notificationId", "read", "expiresAt"] },
    );
    const now = this.now();
    return new Set(
      found
        .filter((entry) => entry.read === false && !isExpired(entry, "expiresAt", now))
        .map((entry) => entry.notificationId),
    );
  }

  /**
   * One page of the entries in others' feeds about what `actorId` did (the actor index, keys
   * only). Rewritten entries keep their actor id, so they stay listed and a page done twice is
   * the same page.
   */
  listByActor(
    actorId: string,
    page: KeyPageRequest,
  ): Promise<KeyPage<{ userId: string; notificationId: string }>> {
    return queryKeyPage(
      this.doc,
      partitionQuery({
        tableName: this.tables.Notifications,
        indexName: "ActorIndex",
        key: { name: "actorId", value: actorId },
      }),
      page,
    );
  }

  /**
   * Shows an entry's actor as a former member and drops its preview (their account was
   * deleted): one UpdateItem, never creating an entry that is gone. True when it changed.
   */
  async forgetActor(key: { userId: string; notificationId: string }): Promise<boolean> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tables.Notifications,
          Key: { userId: key.userId, notificationId: key.notificationId },
          UpdateExpression: "SET #actor.#name = :former, #preview = :none",
          ConditionExpression: "attribute_exists(#id) AND (#actor.#name <> :former OR #preview <> :none)",
          ExpressionAttributeNames: {
            "#actor": "actor",
            "#name": "displayName",
            "#preview": "preview",
            "#id": "notificationId",
          },
          ExpressionAttributeValues: { ":former": FORMER_MEMBER, ":none": "" },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw toDomainError(error);
    }
  }

  /** The member's unread count, exact (a strongly consistent read of the counter, never counted). */
  async unreadCount(userId: string): Promise<number> {
    return Math.max(0, (await this.counterValue(userId)) ?? 0);
  }

  /** One page of the member's feed, newest first (one Query), and the unread count read alongside. */
  async list(userId: string, page: PageRequest): Promise<NotificationPage> {
    const [result, unreadCount] = await Promise.all([
      queryPage<Notification>(
        this.doc,
        this.cursors,
        {
          tableName: this.tables.Notifications,
          keyAttributes: ["userId", "notificationId"],
          partitionKey: { name: "userId", value: userId },
          sortKeyAbove: { name: "notificationId", value: UNREAD_COUNTER_ID },
          scanIndexForward: false,
          // DynamoDB deletes expired items late (DynamoDB Local never): they are not shown.
          filter: {
            expression: "#expiresAt > :now",
            names: { "#expiresAt": "expiresAt" },
            values: { ":now": toEpochSeconds(this.now()) },
          },
        },
        page,
      ),
      this.unreadCount(userId),
    ]);
    return { ...result, unreadCount };
  }

  /**
   * Marks read the entry `upTo` and every older one, or all of them. Each entry's update is
   * conditioned on it being unread and the counter goes down by as many in the same
   * transaction (99 entries per transaction), so the count stays exact however many marks
   * and new entries run at once. An `upTo` that is not one of the member's entries is a
   * NotFoundError and changes nothing. Returns the unread count afterwards.
   *
   * The entry, the unread entries and the counter are read at once, and the counter's update
   * is also conditioned on the value read: a transaction that commits left it at exactly that
   * value less the entries it marked, so the count afterwards needs no read of its own. When
   * the counter moved in between (a new entry, another mark), the refusal carries its current
   * value and the transaction goes again with that.
   */
  async markRead(userId: string, target: MarkReadTarget): Promise<number> {
    const upTo = "upTo" in target ? target.upTo : undefined;
    // The counter and the markers share the partition; none of them is an entry.
    if (upTo?.startsWith("#")) throw new NotFoundError("There is no such notification");
    const [found, unread, counter] = await Promise.all([
      upTo === undefined ? true : this.isLiveEntry(userId, upTo),
      this.unreadUpTo(userId, upTo),
      this.counterValue(userId),
    ]);
    if (!found) throw new NotFoundError("There is no such notification");
    let known: CounterState = { known: true, value: counter };
    for (let start = 0; start < unread.length; start += MARKS_PER_TRANSACTION) {
      known = await this.markChunk(userId, unread.slice(start, start + MARKS_PER_TRANSACTION), known);
    }
    // Only when marks kept colliding with others is the count read again.
    const count = known.known ? known.value : await this.counterValue(userId);
    return Math.max(0, count ?? 0);
  }

  /** Whether `notificationId` is one of the member's entries, not expired (read strongly consistent). */
  private async isLiveEntry(userId: string, notificationId: string): Promise<boolean> {
    try {
      const output = await this.doc.send(
        new GetCommand({
          TableName: this.tables.Notifications,
          Key: { userId, notificationId },
          ProjectionExpression: "notificationId, expiresAt",
          // An entry written a moment ago is found.
          ConsistentRead: true,
        }),
      );
      return !isExpired(output.Item, "expiresAt", this.now());
    } catch (error) {
      throw toDomainError(error);
    }
  }

  /** The ids of the member's unread entries, oldest first, up to `upTo` (all when not given). */
  private async unreadUpTo(userId: string, upTo: string | undefined): Promise<string[]> {
    const unread: string[] = [];
    for await (const item of queryAll<{ notificationId: string }>(this.doc, {
      TableName: this.tables.Notifications,
      KeyConditionExpression:
        upTo === undefined ? "#pk = :pk AND #sk >= :lowest" : "#pk = :pk AND #sk BETWEEN :lowest AND :upTo",
      FilterExpression: "#read = :false",
      ProjectionExpression: "#sk",
      ExpressionAttributeNames: { "#pk": "userId", "#sk": "notificationId", "#read": "read" },
      ExpressionAttributeValues: {
        ":pk": userId,
        ":lowest": LOWEST_NOTIFICATION_ID,
        ":false": false,
        ...(upTo === undefined ? {} : { ":upTo": upTo }),
      },
      ConsistentRead: true,
    })) {
      unread.push(item.notificationId);
    }
    return unread;
  }

  /**
   * Marks one chunk read. An entry another mark got to first fails its condition and cancels
   * the transaction: it is left out and the rest go again, so nothing is counted twice. The
   * counter's update is conditioned on the value `counter` says it has (when known); a refusal
   * there brings its current value for the next attempt, and after COUNTER_CONDITION_ATTEMPTS
   * attempts the chunk goes unconditioned and the count is left to be read. Returns what the
   * counter holds after the chunk, when known.
   */
  private async markChunk(
    userId: string,
    notificationIds: string[],
    counter: CounterState,
  ): Promise<CounterState> {
    let pending = notificationIds;
    let current = counter;
    for (let attempt = 0; pending.length > 0; attempt++) {
      const marks: TransactItem[] = pending.map((notificationId) => ({
        Update: {
          TableName: this.tables.Notifications,
          Key: { userId, notificationId },
          UpdateExpression: "SET #read = :true",
          ConditionExpression: "#read = :false",
          ExpressionAttributeNames: { "#read": "read" },
          ExpressionAttributeValues: { ":true": true, ":false": false },
        },
      }));
      const expected = current.known && attempt < COUNTER_CONDITION_ATTEMPTS ? current : undefined;
      const counterIndex = marks.length;
      try {
        await transactWrite(this.doc, [...marks, this.counterUpdate(userId, -pending.length, expected)]);
        return expected ? { known: true, value: (expected.value ?? 0) - pending.length } : { known: false };
      } catch (error) {
        const failed = new Set(pending.filter((_, index) => conditionFailedAt(error, index)));
        const counterMoved = expected !== undefined && conditionFailedAt(error, counterIndex);
        if (failed.size === 0 && !counterMoved) throw error;
        pending = pending.filter((id) => !failed.has(id));
        if (counterMoved)
          current = { known: true, value: counterOf(itemAtCancellation(error, counterIndex)) };
        // Another mark got to every entry first: what the counter holds now was not seen.
        else if (pending.length === 0) return { known: false };
      }
    }
    return current;
  }

  /**
   * Deletes the member's whole feed and their counter (account deletion): every key by one
   * Query walk, then batch deletes 25 at a time with retries. Returns how many entries went.
   */
  async removeAllForUser(userId: string): Promise<number> {
    const keys: { userId: string; notificationId: string }[] = [];
    for await (const item of queryAll<{ userId: string; notificationId: string }>(this.doc, {
      TableName: this.tables.Notifications,
      KeyConditionExpression: "#pk = :pk",
      ProjectionExpression: "#pk, #sk",
      ExpressionAttributeNames: { "#pk": "userId", "#sk": "notificationId" },
      ExpressionAttributeValues: { ":pk": userId },
      ConsistentRead: true,
    })) {
      keys.push({ userId: item.userId, notificationId: item.notificationId });
    }
    await batchWriteAll(
      this.doc,
      this.tables.Notifications,
      keys.map((key) => ({ delete: key })),
    );
    return keys.filter((key) => !key.notificationId.startsWith("#")).length;
  }
}
