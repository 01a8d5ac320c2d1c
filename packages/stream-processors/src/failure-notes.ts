import { RecordFailuresRepository } from "@hearth/domain";
import { repositoryContextFromEnv } from "./runtime.js";

/**
 * The part of a processor that notes why a record failed (the error's name and message, by
 * the record's eventID), since the failed batch Lambda keeps says nothing of it: the local
 * dead letters and `pnpm replay` read the notes back.
 */
export interface FailureNotes {
  recordFailures: Pick<RecordFailuresRepository, "note">;
}

/** The notes in the function's IdempotencyRecords table (its manifest must name it). */
export function failureNotesFromEnv(env: NodeJS.ProcessEnv = process.env): FailureNotes {
  return { recordFailures: new RecordFailuresRepository(repositoryContextFromEnv(env)) };
}
