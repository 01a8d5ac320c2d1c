import { appendFileSync, mkdirSync, readFileSync } from "node:fs";
import { dirname } from "node:path";
import type { RecordFailuresRepository } from "@hearth/domain";
import type { DynamoDBRecord } from "aws-lambda";

/** Why a record failed the last time: the error's name and message (no stack, no record data). */
export interface DeadLetterCause {
  errorName: string;
  errorMessage: string;
  /** Failed attempts the processor noted, when it noted them. */
  attempts?: number;
}

/**
 * What Lambda sends to an event source mapping's on-failure destination for a stream
 * batch, plus (locally) the record itself and its cause, so nothing is lost.
 */
export interface DeadLetter {
  version: "1.0";
  timestamp: string;
  requestContext: {
    requestId: string;
    functionArn: string;
    condition: "RetryAttemptsExhausted" | "RecordAgeExceeded";
    approximateInvokeCount: number;
  };
  DDBStreamBatchInfo: {
    shardId: string;
    startSequenceNumber: string;
    endSequenceNumber: string;
    approximateArrivalOfFirstRecord: string;
    approximateArrivalOfLastRecord: string;
    batchSize: number;
    streamArn: string;
  };
  processor: string;
  table: string;
  cause?: DeadLetterCause;
  record: DynamoDBRecord;
}

export interface DeadLetterSink {
  write(letter: DeadLetter): void;
}

/** Dead letters as JSON lines in a file (`.local/dead-letters.jsonl`). */
export class DeadLetterFile implements DeadLetterSink {
  constructor(readonly path: string) {}

  write(letter: DeadLetter): void {
    mkdirSync(dirname(this.path), { recursive: true });
    appendFileSync(this.path, `${JSON.stringify(letter)}\n`);
  }

  read(): DeadLetter[] {
    let text: string;
    try {
      text = readFileSync(this.path, "utf8");
    } catch {
      return [];
    }
    return text
      .split("\n")
      .filter((line) => line.trim())
      .map((line) => JSON.parse(line) as DeadLetter);
  }
}

/** A record's cause as `processor` noted it when it failed (see the pipeline), for its dead letter. */
export function notedCauses(
  failures: Pick<RecordFailuresRepository, "causesOf">,
  processor: string,
): (record: DynamoDBRecord) => Promise<DeadLetterCause | undefined> {
  return async (record) => {
    if (!record.eventID) return undefined;
    const note = (await failures.causesOf(processor, [record.eventID])).get(record.eventID);
    return note && { errorName: note.errorName, errorMessage: note.errorMessage, attempts: note.attempts };
  };
}
