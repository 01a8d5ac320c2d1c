import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import { unmarshall } from "@aws-sdk/util-dynamodb";
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

/**
 * The item that made the `index`th write of a cancelled transaction fail its condition, when
 * that write asked for it (`ReturnValuesOnConditionCheckFailure: "ALL_OLD"`); undefined when
 * that write's condition held, it did not ask, or the item did not exist. Saves a read of the
 * item in the way.
 */
export function itemAtCancellation(error: unknown, index: number): Record<string, unknown> | undefined {
  const domainError = toDomainError(error);
  const sdkError = domainError.cause ?? error;
  const reasons = (sdkError as { CancellationReasons?: { Item?: Record<string, AttributeValue> }[] })
    ?.CancellationReasons;
  const item = reasons?.[index]?.Item;
  return item ? unmarshall(item) : undefined;
}
