import { type Comment, type EditHistoryEntry, LIMITS } from "../entities.js";

/** The history after one more edit: previous versions in time order, only the last five kept. */
export function appendEditHistory(
  history: readonly EditHistoryEntry[],
  previousText: string,
  editedAt: string,
): EditHistoryEntry[] {
  return [...history, { text: previousText, editedAt }].slice(-LIMITS.editHistory);
}

/** A comment's version: what `If-Match` names. Comments from before versions existed count as 1. */
export function commentVersion(comment: Pick<Comment, "version">): number {
  return comment.version ?? 1;
}
