import { appendFileSync, mkdirSync, readFileSync } from "node:fs";
import { dirname } from "node:path";
import type { DynamoDBRecord } from "aws-lambda";

/**
 * What Lambda sends to an event source mapping's on-failure destination for a stream
 * batch, plus (locally) the record itself and the last error, so nothing is lost.
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
  lastError?: string;
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
