import type { TableName } from "@hearth/domain";
import type { DynamoDBRecord } from "aws-lambda";
import type { z } from "zod";
import { imageOf } from "./stream-records.js";

/** A stream record reduced to what the processors act on: which table, what happened, the images. */
export interface StreamChange {
  eventID: string;
  eventName: "INSERT" | "MODIFY" | "REMOVE";
  table: TableName;
  newImage: Record<string, unknown> | undefined;
  oldImage: Record<string, unknown> | undefined;
}

/** A stream record that cannot be what its table holds: it fails, and after retries goes to the DLQ. */
export class MalformedRecordError extends Error {
  override readonly name = "MalformedRecordError";
}

export function toStreamChange(record: DynamoDBRecord, table: TableName): StreamChange {
  if (!record.eventID || !record.eventName) {
    throw new MalformedRecordError("The stream record has no eventID or eventName");
  }
  return {
    eventID: record.eventID,
    eventName: record.eventName,
    table,
    newImage: imageOf(record, "NewImage"),
    oldImage: imageOf(record, "OldImage"),
  };
}

/** The change's new image as the entity `schema` describes, or MalformedRecordError saying what is wrong. */
export function parseNewImage<T>(change: StreamChange, schema: z.ZodType<T>): T {
  const parsed = schema.safeParse(change.newImage);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map(
    (issue) => `${issue.path.join(".") || "(image)"}: ${issue.message}`,
  );
  throw new MalformedRecordError(
    `The ${change.eventName} record ${change.eventID} on ${change.table} is malformed: ${problems.join("; ")}`,
  );
}
