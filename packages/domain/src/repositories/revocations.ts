import { PutCommand } from "@aws-sdk/lib-dynamodb";
import { partitionQuery, queryAll } from "../dynamo/query.js";
import type { TransactItem } from "../dynamo/transactions.js";
import { isExpired, ttlAfter } from "../dynamo/ttl.js";
import { toDomainError } from "../errors.js";
import { Repository } from "./context.js";

/** Why a person's tokens stopped working: an admin revoked them, they left the groups outside Hearth, or their account was deleted. */
export type RevocationReason = "revoked" | "left-groups" | "deleted";

/** The one partition every revocation is kept in, so the whole list is one Query. */
const REVOCATION_LIST = "revoked";

/**
 * How long a revocation is kept: longer than any token issued before it lives (ID tokens
 * last an hour; a WebSocket connection two, but a revocation closes it), so nothing issued
 * before it can outlive it.
 */
const REVOCATION_RETENTION_SECONDS = 2 * 60 * 60;

/**
 * The revocation list (table Revocations): who must be refused even with an unexpired token,
 * from when. Each person has at most one entry, the latest revocation.
 */
export class RevocationsRepository extends Repository {
  /** The Put of a revocation, for a transaction that records it with what caused it. */
  revocationPut(userId: string, reason: RevocationReason, at: Date = this.now()): TransactItem {
    return {
      Put: {
        TableName: this.tables.Revocations,
        Item: {
          list: REVOCATION_LIST,
          userId,
          revokedAt: at.toISOString(),
          reason,
          expiresAt: ttlAfter(REVOCATION_RETENTION_SECONDS, at),
        },
      },
    };
  }

  /**
   * Records that every token of `userId` issued until now is refused (within the list's
   * cache age): one PutItem. Recording again moves the moment on, which is safe: the person
   * is signed out of everything issued before either.
   */
  async recordRevocation(userId: string, reason: RevocationReason): Promise<void> {
    const put = this.revocationPut(userId, reason).Put;
    try {
      await this.doc.send(new PutCommand({ TableName: put?.TableName, Item: put?.Item }));
    } catch (error) {
      throw toDomainError(error);
    }
  }

  /** Every revocation still in force, by user id: one Query (a page per MB, which a family never fills). */
  async activeRevocations(): Promise<Map<string, Date>> {
    const now = this.now();
    const revocations = new Map<string, Date>();
    for await (const item of queryAll<Record<string, unknown>>(
      this.doc,
      partitionQuery({ tableName: this.tables.Revocations, key: { name: "list", value: REVOCATION_LIST } }),
    )) {
      if (isExpired(item, "expiresAt", now) || typeof item.revokedAt !== "string") continue;
      revocations.set(item.userId as string, new Date(item.revokedAt));
    }
    return revocations;
  }
}
