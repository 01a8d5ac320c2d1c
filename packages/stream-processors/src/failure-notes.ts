import { RecordFailuresRepository, type RepositoryContext } from "@hearth/domain";

/**
 * The part of a processor that notes why a record failed (the error's name and message, by
 * the record's eventID), since the failed batch Lambda keeps says nothing of it: the local
 * dead letters and `pnpm replay` read the notes back.
 */
export interface FailureNotes {
  recordFailures: Pick<RecordFailuresRepository, "note">;
}

/**
 * The notes in the function's IdempotencyRecords table (its manifest must name it), through
 * the repository context (and DynamoDB client) the function's other repositories use.
 */
export function failureNotes(context: RepositoryContext): FailureNotes {
  return { recordFailures: new RecordFailuresRepository(context) };
}
