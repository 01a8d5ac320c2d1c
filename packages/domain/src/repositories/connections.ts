import { GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import { batchWriteAll } from "../dynamo/batch.js";
import { conditionFailedAt } from "../dynamo/conditions.js";
import { queryAll } from "../dynamo/query.js";
import { transactWrite } from "../dynamo/transactions.js";
import { isExpired, toEpochSeconds, ttlAfter } from "../dynamo/ttl.js";
import { HearthError, NotFoundError, toDomainError } from "../errors.js";
import { Repository } from "./context.js";

/** API Gateway closes a WebSocket connection after two hours whatever happens: its records go then too. */
export const CONNECTION_TTL_SECONDS = 2 * 60 * 60;
/**
 * How long after its `$connect` a connection may still be completing its handshake. Its record
 * is written during `$connect`, and until the handshake ends a post to it is refused as gone
 * (410) by API Gateway and the local gateway alike: such a 410 does not mean it has closed.
 */
export const CONNECT_HANDSHAKE_SECONDS = 30;
/** Item comment threads one connection may follow at once (the ones the page shows). */
export const MAX_SUBSCRIPTIONS_PER_CONNECTION = 20;

/**
 * Open WebSocket connections one member may have at once (a few tabs and devices): each
 * gets every push, so more would only multiply the fanout.
 */
export const MAX_CONNECTIONS_PER_MEMBER = 5;

/** An open WebSocket connection of a member, as `$connect` stored it. */
export interface Connection {
  userId: string;
  connectionId: string;
  /** The member's groups when the connection was authorized (what they may read). */
  groups: string[];
  displayName?: string | undefined;
  connectedAt: string;
  /** Epoch seconds (TTL): `connectedAt` plus two hours. */
  expiresAt: number;
  /** The itemIds whose comment threads this connection follows. */
  subscriptions: string[];
}

/** One connection following one item's comment thread. */
export interface Subscription {
  itemId: string;
  userId: string;
  connectionId: string;
  groups: string[];
  expiresAt: number;
}

/** A connection already follows as many items as it may. */
export class SubscriptionLimitError extends HearthError {
  readonly code = "CONFLICT";
  override readonly name = "SubscriptionLimitError";
}

/** The member has as many open connections as they may: the new one was not kept. */
export class ConnectionLimitError extends HearthError {
  readonly code = "CONFLICT";
  override readonly name = "ConnectionLimitError";
}

const userPartition = (userId: string) => `user#${userId}`;
const itemPartition = (itemId: string) => `item#${itemId}`;
const connectionSort = (connectionId: string) => `connection#${connectionId}`;

interface StoredConnection extends Omit<Connection, "subscriptions"> {
  pk: string;
  sk: string;
  subscriptions?: Set<string> | string[];
}

function toConnection(item: StoredConnection): Connection {
  return {
    userId: item.userId,
    connectionId: item.connectionId,
    groups: [...(item.groups ?? [])],
    ...(item.displayName ? { displayName: item.displayName } : {}),
    connectedAt: item.connectedAt,
    expiresAt: item.expiresAt,
    subscriptions: [...(item.subscriptions ?? [])].sort(),
  };
}

export interface NewConnection {
  userId: string;
  connectionId: string;
  groups: readonly string[];
  displayName?: string | undefined;
}

/**
 * The Connections table: members' open WebSocket connections and the item threads each
 * follows. Expired records (DynamoDB deletes them late, DynamoDB Local never) are absent to
 * every reader here.
 */
export class ConnectionsRepository extends Repository {
  private get table() {
    return this.tables.Connections;
  }

  /**
   * Stores a connection that `$connect` let in, with no subscriptions yet, unless the member
   * already has MAX_CONNECTIONS_PER_MEMBER open: then it is removed again and
   * ConnectionLimitError is thrown (the handshake is refused, the open ones stay). The
   * connection is stored first and the member's connections counted after (strongly
   * consistent), so handshakes racing each other can never all get in: the last one counted
   * sees every other. Two round trips when let in, a third (the removal) when refused.
   */
  async connect(input: NewConnection): Promise<Connection> {
    const now = this.now();
    const connection: Connection = {
      userId: input.userId,
      connectionId: input.connectionId,
      groups: [...input.groups],
      ...(input.displayName ? { displayName: input.displayName } : {}),
      connectedAt: now.toISOString(),
      expiresAt: ttlAfter(CONNECTION_TTL_SECONDS, now),
      subscriptions: [],
    };
    // No empty string set exists in DynamoDB: `subscriptions` appears with the first one.
    const { subscriptions: _none, ...stored } = connection;
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.table,
          Item: { pk: userPartition(input.userId), sk: connectionSort(input.connectionId), ...stored },
        }),
      );
    } catch (error) {
      throw toDomainError(error);
    }
    const open = await this.livePartition<StoredConnection>(userPartition(input.userId), true);
    if (open.length > MAX_CONNECTIONS_PER_MEMBER) {
      await this.remove(input.userId, input.connectionId);
      throw new ConnectionLimitError(
        `A member may have at most ${MAX_CONNECTIONS_PER_MEMBER} open connections; close one first`,
      );
    }
    return connection;
  }

  /** The connection, strongly consistent (a subscribe right after `$connect` finds it); null when gone. */
  async get(userId: string, connectionId: string): Promise<Connection | null> {
    const item = await this.stored(userId, connectionId);
    return item && !isExpired({ ...item }, "expiresAt", this.now()) ? toConnection(item) : null;
  }

  /** The stored connection item as it is (expired or not), strongly consistent. */
  private async stored(userId: string, connectionId: string): Promise<StoredConnection | undefined> {
    try {
      const output = await this.doc.send(
        new GetCommand({
          TableName: this.table,
          Key: { pk: userPartition(userId), sk: connectionSort(connectionId) },
          ConsistentRead: true,
        }),
      );
      return output.Item as StoredConnection | undefined;
    } catch (error) {
      throw toDomainError(error);
    }
  }

  /**
   * Follows `itemId`'s comment thread: the connection's set and the item's subscription
   * item change in one transaction, under the conditions that the connection is there and
   * follows fewer than 20 items (or this one already). SubscriptionLimitError at the limit,
   * NotFoundError without the connection; either way nothing changes. Returns the followed itemIds.
   */
  async subscribe(userId: string, connectionId: string, itemId: string): Promise<string[]> {
    const now = this.now();
    const connection = await this.get(userId, connectionId);
    if (!connection) throw new NotFoundError("This connection is not open any more");
    try {
      await transactWrite(this.doc, [
        {
          Update: {
            TableName: this.table,
            Key: { pk: userPartition(userId), sk: connectionSort(connectionId) },
            UpdateExpression: "ADD #subs :item",
            ConditionExpression:
              "#expiresAt > :now AND (attribute_not_exists(#subs) OR size(#subs) < :max OR contains(#subs, :itemId))",
            ExpressionAttributeNames: { "#subs": "subscriptions", "#expiresAt": "expiresAt" },
            ExpressionAttributeValues: {
              ":item": new Set([itemId]),
              ":itemId": itemId,
              ":now": toEpochSeconds(now),
              ":max": MAX_SUBSCRIPTIONS_PER_CONNECTION,
            },
          },
        },
        {
          Put: {
            TableName: this.table,
            Item: {
              pk: itemPartition(itemId),
              sk: connectionSort(connectionId),
              itemId,
              userId,
              connectionId,
              groups: connection.groups,
              // Goes with the connection.
              expiresAt: connection.expiresAt,
            } satisfies Subscription & { pk: string; sk: string },
          },
        },
      ]);
    } catch (error) {
      if (conditionFailedAt(error, 0)) {
        const current = await this.get(userId, connectionId);
        if (!current) throw new NotFoundError("This connection is not open any more", { cause: error });
        throw new SubscriptionLimitError(
          `A connection may follow at most ${MAX_SUBSCRIPTIONS_PER_CONNECTION} items; unsubscribe from one first`,
          { cause: error },
        );
      }
      throw error;
    }
    return [...new Set([...connection.subscriptions, itemId])].sort();
  }

  /** Stops following `itemId` (following nothing there is fine). Returns the followed itemIds. */
  async unsubscribe(userId: string, connectionId: string, itemId: string): Promise<string[]> {
    const connection = await this.get(userId, connectionId);
    if (!connection) throw new NotFoundError("This connection is not open any more");
    await transactWrite(this.doc, [
      {
        Update: {
          TableName: this.table,
          Key: { pk: userPartition(userId), sk: connectionSort(connectionId) },
          UpdateExpression: "DELETE #subs :item",
          ConditionExpression: "attribute_exists(#pk)",
          ExpressionAttributeNames: { "#subs": "subscriptions", "#pk": "pk" },
          ExpressionAttributeValues: { ":item": new Set([itemId]) },
        },
      },
      {
        Delete: {
          TableName: this.table,
          Key: { pk: itemPartition(itemId), sk: connectionSort(connectionId) },
        },
      },
    ]);
    return connection.subscriptions.filter((followed) => followed !== itemId);
  }

  /**
   * Removes the connection and all its subscriptions (`$disconnect`, or a push that found it
   * gone). Removing one that is not there is fine. Returns whether it was there.
   */
  async remove(userId: string, connectionId: string): Promise<boolean> {
    const stored = await this.stored(userId, connectionId);
    await this.deleteWithSubscriptions(userId, connectionId, stored);
    return stored !== undefined;
  }

  /**
   * A push found the connection gone (410) at `now`: removed as by `remove`, unless it connected
   * less than CONNECT_HANDSHAKE_SECONDS before, when the 410 may only mean its handshake had not
   * ended (removing it then would leave an open socket that can no longer subscribe). One that
   * never finished its handshake goes with a later push's 410, or its TTL. True when removed.
   */
  async removeGone(userId: string, connectionId: string, now: Date): Promise<boolean> {
    const stored = await this.stored(userId, connectionId);
    if (stored && now.getTime() - Date.parse(stored.connectedAt) < CONNECT_HANDSHAKE_SECONDS * 1000) {
      return false;
    }
    await this.deleteWithSubscriptions(userId, connectionId, stored);
    return true;
  }

  private async deleteWithSubscriptions(
    userId: string,
    connectionId: string,
    stored: StoredConnection | undefined,
  ): Promise<void> {
    await batchWriteAll(this.doc, this.table, [
      { delete: { pk: userPartition(userId), sk: connectionSort(connectionId) } },
      ...[...(stored?.subscriptions ?? [])].map((itemId) => ({
        delete: { pk: itemPartition(itemId), sk: connectionSort(connectionId) },
      })),
    ]);
  }

  /**
   * Removes every connection record of a member whose account is being deleted, expired
   * ones included, with each one's subscriptions: one Query of their partition, then batched
   * deletes. No push finds them any more. Safe to repeat; returns how many connections there were.
   */
  async removeAllForUser(userId: string): Promise<number> {
    const keys: { pk: string; sk: string }[] = [];
    let connections = 0;
    for await (const item of queryAll<StoredConnection & Record<string, unknown>>(this.doc, {
      TableName: this.table,
      KeyConditionExpression: "#pk = :pk",
      ExpressionAttributeNames: { "#pk": "pk" },
      ExpressionAttributeValues: { ":pk": userPartition(userId) },
      ConsistentRead: true,
    })) {
      connections++;
      keys.push({ pk: item.pk, sk: item.sk });
      for (const itemId of item.subscriptions ?? []) keys.push({ pk: itemPartition(itemId), sk: item.sk });
    }
    await batchWriteAll(
      this.doc,
      this.table,
      keys.map((key) => ({ delete: key })),
    );
    return connections;
  }

  /** Only a subscription's own item (a subscription whose connection is gone already). */
  async removeSubscription(itemId: string, connectionId: string): Promise<void> {
    await batchWriteAll(this.doc, this.table, [
      { delete: { pk: itemPartition(itemId), sk: connectionSort(connectionId) } },
    ]);
  }

  /** The member's open connections (one Query). */
  async connectionsOf(userId: string): Promise<Connection[]> {
    return (await this.livePartition<StoredConnection>(userPartition(userId))).map(toConnection);
  }

  /** The connections following `itemId`'s comment thread (one Query). */
  async subscribersOf(itemId: string): Promise<Subscription[]> {
    return (await this.livePartition<Subscription>(itemPartition(itemId))).map((item) => ({
      itemId: item.itemId,
      userId: item.userId,
      connectionId: item.connectionId,
      groups: [...(item.groups ?? [])],
      expiresAt: item.expiresAt,
    }));
  }

  /** The items of one partition that have not expired (TTL deletion lags by up to days). */
  private async livePartition<T>(pk: string, consistent = false): Promise<(T & Record<string, unknown>)[]> {
    const live: (T & Record<string, unknown>)[] = [];
    const now = this.now();
    for await (const item of queryAll<T & Record<string, unknown>>(this.doc, {
      TableName: this.table,
      KeyConditionExpression: "#pk = :pk",
      ExpressionAttributeNames: { "#pk": "pk" },
      ExpressionAttributeValues: { ":pk": pk },
      ...(consistent ? { ConsistentRead: true } : {}),
    })) {
      if (!isExpired(item, "expiresAt", now)) live.push(item);
    }
    return live;
  }
}
