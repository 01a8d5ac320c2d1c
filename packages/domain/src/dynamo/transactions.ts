import {
  type DynamoDBDocumentClient,
  TransactWriteCommand,
  type TransactWriteCommandInput,
} from "@aws-sdk/lib-dynamodb";
import { HearthError, InvalidInputError, toDomainError } from "../errors.js";
import { assertItemFits } from "./item-size.js";
import { type BackoffOptions, withRetry } from "./retry.js";

export type TransactItem = NonNullable<TransactWriteCommandInput["TransactItems"]>[number];

export const MAX_TRANSACTION_ITEMS = 100;

/** Concurrent transactions on the same items are normal here (counters, unread counts): retry them. */
export const defaultTransactionBackoff: BackoffOptions = {
  maxAttempts: 12,
  baseDelayMs: 20,
  maxDelayMs: 1000,
};

/**
 * Runs TransactWriteItems with items checked for size first, retries transaction conflicts
 * and throttling with backoff, and maps cancellation reasons to typed errors. A failed
 * condition surfaces as a ConflictError whose `reasons` line up with `items`.
 */
export async function transactWrite(
  doc: DynamoDBDocumentClient,
  items: TransactItem[],
  options: { backoff?: BackoffOptions; clientRequestToken?: string } = {},
): Promise<void> {
  if (items.length === 0) return;
  if (items.length > MAX_TRANSACTION_ITEMS) {
    throw new InvalidInputError(`A transaction holds at most ${MAX_TRANSACTION_ITEMS} items`);
  }
  for (const item of items) if (item.Put?.Item) assertItemFits(item.Put.Item);
  await withRetry(
    async () => {
      try {
        await doc.send(
          new TransactWriteCommand({ TransactItems: items, ClientRequestToken: options.clientRequestToken }),
        );
      } catch (error) {
        throw toDomainError(error);
      }
    },
    (error) => error instanceof HearthError && error.retryable,
    options.backoff ?? defaultTransactionBackoff,
  );
}
