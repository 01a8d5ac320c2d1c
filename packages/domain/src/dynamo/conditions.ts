import { ConflictError, toDomainError } from "../errors.js";

// How the repositories tell a write whose condition did not hold (an item that exists
// already, is gone, or changed) from every other failure. Each takes the SDK's error or the
// domain error made of it, so a caller may ask before or after mapping.

/**
 * A write's condition did not hold: a single write's ConditionalCheckFailedException, or a
 * transaction cancelled by failed conditions. Never another transaction in flight (that
 * one is retried, not answered).
 */
export function isConditionFailure(error: unknown): boolean {
  const domainError = toDomainError(error);
  return domainError instanceof ConflictError && !domainError.isTransactionConflict;
}

/** Which items of a transaction to look at: one index, or a test of the index. */
export type TransactionItems = number | ((index: number) => boolean);

/**
 * A transaction was cancelled because the condition of an item in `items` did not hold (of
 * any item when `items` is not given). A single write counts as a transaction of one item.
 */
export function conditionFailedAt(error: unknown, items?: TransactionItems): boolean {
  const domainError = toDomainError(error);
  if (!(domainError instanceof ConflictError)) return false;
  const wanted =
    items === undefined ? () => true : typeof items === "number" ? (i: number) => i === items : items;
  return domainError.reasons.some((reason, index) => reason === "ConditionalCheckFailed" && wanted(index));
}
