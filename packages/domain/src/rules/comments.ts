import { type EditHistoryEntry, LIMITS } from "../entities.js";

/** The history after one more edit: previous versions in time order, only the last five kept. */
export function appendEditHistory(
  history: readonly EditHistoryEntry[],
  previousText: string,
  editedAt: string,
): EditHistoryEntry[] {
  return [...history, { text: previousText, editedAt }].slice(-LIMITS.editHistory);
}
