import { batchWriteAll } from "../dynamo/batch.js";
import { queryAll } from "../dynamo/query.js";
import { IDEMPOTENCY_OWNER_ATTRIBUTE } from "../tables.js";
import { Repository } from "./context.js";

/**
 * The API's stored responses (Idempotency-Key records, whole response bodies) as an account
 * deletion sees them: found by their owner through the owner index, never by a Scan.
 */
export class StoredResponsesRepository extends Repository {
  /**
   * Removes every response stored for `userId`'s idempotent requests: one Query of the owner
   * index (keys only), then batched deletes. Safe to repeat; returns how many there were.
   */
  async removeAllForUser(userId: string): Promise<number> {
    const ids: string[] = [];
    for await (const item of queryAll<{ id: string }>(this.doc, {
      TableName: this.tables.IdempotencyRecords,
      IndexName: "OwnerIndex",
      KeyConditionExpression: "#owner = :owner",
      ExpressionAttributeNames: { "#owner": IDEMPOTENCY_OWNER_ATTRIBUTE },
      ExpressionAttributeValues: { ":owner": userId },
    })) {
      ids.push(item.id);
    }
    await batchWriteAll(
      this.doc,
      this.tables.IdempotencyRecords,
      ids.map((id) => ({ delete: { id } })),
    );
    return ids.length;
  }
}
