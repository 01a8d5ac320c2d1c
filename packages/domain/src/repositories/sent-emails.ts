import { DeleteCommand, PutCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { isConditionFailure } from "../dynamo/conditions.js";
import { ttlAfter } from "../dynamo/ttl.js";
import { toDomainError } from "../errors.js";
import { Repository } from "./context.js";

/** Kept two days: longer than a stream record can be redelivered (24 hours). */
const SENT_EMAIL_RETENTION_SECONDS = 2 * 24 * 60 * 60;

/**
 * Which emails about an event went (or may have): written before the send and settled after,
 * in the IdempotencyRecords table, so a retried record that finds its email's entry knows
 * not to send it again, even when the record failed after the send (an email that answers one
 * event, with no debounce slot to tell). An entry still `sending` is a send whose outcome is
 * unknown: it counts as sent.
 */
export class SentEmailsRepository extends Repository {
  private id(key: string): string {
    return `sent-email#${key}`;
  }

  /** Claims the send of `key`: false when an earlier attempt already sent it (or may have). */
  async begin(key: string): Promise<boolean> {
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tables.IdempotencyRecords,
          Item: {
            id: this.id(key),
            status: "sending",
            startedAt: this.timestamp(),
            expiration: ttlAfter(SENT_EMAIL_RETENTION_SECONDS, this.now()),
          },
          ConditionExpression: "attribute_not_exists(id)",
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw toDomainError(error);
    }
  }

  /** The send's outcome, for whoever looks (an uncertain one stays an entry, so it is not repeated). */
  async settle(key: string, outcome: "sent" | "uncertain"): Promise<void> {
    await this.doc
      .send(
        new UpdateCommand({
          TableName: this.tables.IdempotencyRecords,
          Key: { id: this.id(key) },
          UpdateExpression: "SET #status = :outcome, settledAt = :at",
          ExpressionAttributeNames: { "#status": "status" },
          ExpressionAttributeValues: { ":outcome": outcome, ":at": this.timestamp() },
        }),
      )
      .catch((error) => {
        throw toDomainError(error);
      });
  }

  /** The send certainly failed: the entry goes, so a retry sends it. */
  async forget(key: string): Promise<void> {
    await this.doc
      .send(new DeleteCommand({ TableName: this.tables.IdempotencyRecords, Key: { id: this.id(key) } }))
      .catch((error) => {
        throw toDomainError(error);
      });
  }
}
