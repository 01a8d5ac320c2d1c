import { UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { batchGetAll } from "../dynamo/batch.js";
import { ttlAfter } from "../dynamo/ttl.js";
import { toDomainError } from "../errors.js";
import { Repository } from "./context.js";

/** As long as the failed-records bucket keeps a batch by default: its cause is there to read. */
const RECORD_FAILURE_RETENTION_SECONDS = 14 * 24 * 60 * 60;
/** A message longer than this is cut: enough to tell causes apart, never a whole payload. */
const MESSAGE_LENGTH = 300;

/** Why a stream record failed, the last time it did: the error's name and message, no stack, no record data. */
export interface RecordFailure {
  processor: string;
  eventID: string;
  errorName: string;
  errorMessage: string;
  attempts: number;
  firstFailedAt: string;
  lastFailedAt: string;
}

/**
 * The causes of failed stream records, in the IdempotencyRecords table beside the records'
 * idempotency entries (`record-failure#<processor>#<eventID>`): Lambda keeps a failed batch
 * without the error that failed it, so each failure is noted here and `pnpm replay` (and the
 * local dead letters) join them by the record's `eventID`.
 */
export class RecordFailuresRepository extends Repository {
  private id(processor: string, eventID: string): string {
    return `record-failure#${processor}#${eventID}`;
  }

  /** Notes one more failure of the record, replacing the cause the previous one left. */
  async note(processor: string, eventID: string, error: { name: string; message: string }): Promise<void> {
    const at = this.timestamp();
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tables.IdempotencyRecords,
          Key: { id: this.id(processor, eventID) },
          UpdateExpression:
            "SET processor = :processor, eventID = :eventID, errorName = :name, errorMessage = :message, " +
            "lastFailedAt = :at, firstFailedAt = if_not_exists(firstFailedAt, :at), expiration = :expiration " +
            "ADD attempts :one",
          ExpressionAttributeValues: {
            ":processor": processor,
            ":eventID": eventID,
            ":name": error.name.slice(0, 100),
            ":message": error.message.slice(0, MESSAGE_LENGTH),
            ":at": at,
            ":expiration": ttlAfter(RECORD_FAILURE_RETENTION_SECONDS, this.now()),
            ":one": 1,
          },
        }),
      );
    } catch (caught) {
      throw toDomainError(caught);
    }
  }

  /** The noted causes of these records of `processor`, by eventID (records never noted are absent). */
  async causesOf(processor: string, eventIDs: readonly string[]): Promise<Map<string, RecordFailure>> {
    const unique = [...new Set(eventIDs)];
    const items = await batchGetAll<Record<string, unknown>>(
      this.doc,
      this.tables.IdempotencyRecords,
      unique.map((eventID) => ({ id: this.id(processor, eventID) })),
    );
    return new Map(items.map((item) => [String(item.eventID), item as unknown as RecordFailure]));
  }
}
