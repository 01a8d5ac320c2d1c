import {
  type DynamoDBDocumentClient,
  QueryCommand,
  type QueryCommandInput,
  type QueryCommandOutput,
} from "@aws-sdk/lib-dynamodb";
import { InvalidInputError, toDomainError } from "../errors.js";
import type { CursorCodec, CursorKey, KeyValue } from "./cursor.js";

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;
/** A page filled up past filtered-out items stops after this many Query calls and returns a short page. */
export const MAX_QUERY_ROUNDS_PER_PAGE = 3;

export interface ListQuery {
  tableName: string;
  indexName?: string;
  /** The attributes that make up an exclusive start key: the table's key plus the index's key. */
  keyAttributes: readonly string[];
  partitionKey: { name: string; value: string };
  /** Only sort keys above this value (e.g. to leave out a bookkeeping item sorting first). */
  sortKeyAbove?: { name: string; value: string };
  /** Only sort keys starting with this value (`begins_with`); part of the list's identity, like the partition. */
  sortKeyPrefix?: { name: string; value: string };
  /** Newest first = false. */
  scanIndexForward: boolean;
  /** Items failing this are left out (e.g. soft-deleted ones); pages are still filled up to `limit`. */
  filter?: { expression: string; names?: Record<string, string>; values?: Record<string, unknown> };
  /**
   * How many items a filtered list reads per item it wants (2 unless told): a filter that
   * leaves out many (an item's replies, when listing its top comments) reads further ahead,
   * paying in read capacity rather than in round trips.
   */
  readAhead?: number;
}

export interface PageRequest {
  limit?: number | undefined;
  cursor?: string | null | undefined;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export function validatePageSize(limit: number | undefined): number {
  if (limit === undefined) return DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_SIZE) {
    throw new InvalidInputError(`limit must be an integer from 1 to ${MAX_PAGE_SIZE}`);
  }
  return limit;
}

function scopeOf(query: ListQuery): string {
  return JSON.stringify([
    query.tableName,
    query.indexName ?? "",
    query.partitionKey.name,
    query.partitionKey.value,
    query.scanIndexForward ? "asc" : "desc",
    ...(query.sortKeyPrefix ? [query.sortKeyPrefix.name, query.sortKeyPrefix.value] : []),
  ]);
}

function baseInput(query: ListQuery): QueryCommandInput {
  const names: Record<string, string> = { "#pk": query.partitionKey.name, ...query.filter?.names };
  const values: Record<string, unknown> = { ":pk": query.partitionKey.value, ...query.filter?.values };
  let keyCondition = "#pk = :pk";
  if (query.sortKeyAbove) {
    names["#sk"] = query.sortKeyAbove.name;
    values[":skAbove"] = query.sortKeyAbove.value;
    keyCondition += " AND #sk > :skAbove";
  } else if (query.sortKeyPrefix) {
    names["#sk"] = query.sortKeyPrefix.name;
    values[":skPrefix"] = query.sortKeyPrefix.value;
    keyCondition += " AND begins_with(#sk, :skPrefix)";
  }
  return {
    TableName: query.tableName,
    IndexName: query.indexName,
    KeyConditionExpression: keyCondition,
    FilterExpression: query.filter?.expression,
    ExpressionAttributeNames: names,
    ExpressionAttributeValues: values,
    ScanIndexForward: query.scanIndexForward,
  };
}

/**
 * One page of a list: a single logical Query (continued only while a filter left the page
 * short), with a cursor that points at the last item returned, so no item is skipped or
 * repeated even when filtered items sit at page boundaries.
 */
export async function queryPage<T extends Record<string, unknown>>(
  doc: DynamoDBDocumentClient,
  cursors: CursorCodec,
  query: ListQuery,
  request: PageRequest,
): Promise<Page<T>> {
  const limit = validatePageSize(request.limit);
  const scope = scopeOf(query);
  let startKey: CursorKey | undefined = request.cursor
    ? cursors.decode(scope, request.cursor, query.keyAttributes)
    : undefined;
  if (startKey && startKey[query.partitionKey.name] !== query.partitionKey.value) {
    throw new InvalidInputError("The cursor is not valid for this list");
  }

  const items: T[] = [];
  let exhausted = false;
  // Filtered-out items (soft-deleted comments) can make a page need more reads; never more than a few.
  for (let round = 0; items.length < limit && !exhausted && round < MAX_QUERY_ROUNDS_PER_PAGE; round++) {
    let output: QueryCommandOutput;
    try {
      output = await doc.send(
        new QueryCommand({
          ...baseInput(query),
          // One extra item tells whether another page exists without a second round trip. A
          // filtered list reads up to twice the page, so a few filtered-out items do not cost
          // another round trip (the cursor points at the last item returned: none is skipped).
          Limit: (query.filter ? (query.readAhead ?? 2) * limit : limit) - items.length + 1,
          ExclusiveStartKey: startKey,
        }),
      );
    } catch (error) {
      throw toDomainError(error);
    }
    for (const item of output.Items ?? []) items.push(item as T);
    startKey = output.LastEvaluatedKey as CursorKey | undefined;
    exhausted = !startKey;
  }

  const pageItems = items.slice(0, limit);
  const keyOf = (item: Record<string, unknown>): CursorKey =>
    Object.fromEntries(query.keyAttributes.map((name) => [name, item[name] as KeyValue]));
  let resumeAt: CursorKey | undefined;
  if (items.length > limit || (!exhausted && items.length === limit)) resumeAt = keyOf(pageItems.at(-1)!);
  // Stopped short after the last round: go on after the last key read, every item up to it being filtered out.
  else if (!exhausted && startKey) resumeAt = keyOf(startKey);
  return { items: pageItems, nextCursor: resumeAt ? cursors.encode(scope, resumeAt) : null };
}

/** Follows every page of a query, one page at a time; for background work, never for a request path's lists. */
export async function* queryPages<T extends Record<string, unknown>>(
  doc: DynamoDBDocumentClient,
  input: QueryCommandInput,
): AsyncGenerator<T[]> {
  let startKey: Record<string, unknown> | undefined;
  do {
    let output: QueryCommandOutput;
    try {
      output = await doc.send(new QueryCommand({ ...input, ExclusiveStartKey: startKey }));
    } catch (error) {
      throw toDomainError(error);
    }
    yield (output.Items ?? []) as T[];
    startKey = output.LastEvaluatedKey;
  } while (startKey);
}

/** Follows every page of a query; for background work, never for a request path's lists. */
export async function* queryAll<T extends Record<string, unknown>>(
  doc: DynamoDBDocumentClient,
  input: QueryCommandInput,
): AsyncGenerator<T> {
  for await (const page of queryPages<T>(doc, input)) yield* page;
}

/**
 * One page of a query for background work that resumes on its own state (a job's
 * checkpoint): the raw last key, not a signed cursor, since it never leaves the server.
 */
export interface KeyPage<T> {
  items: T[];
  /** Where the next page starts (DynamoDB's LastEvaluatedKey); null after the last page. */
  lastKey: Record<string, unknown> | null;
}

export interface KeyPageRequest {
  /** A page's `lastKey`: the next page starts after it. */
  after?: Record<string, unknown> | null | undefined;
  limit: number;
}

/**
 * A Query of one whole partition of a table or index in sort-key order, optionally keeping
 * only items whose `only.name` equals `only.value` (read and skipped by DynamoDB).
 */
export function partitionQuery(spec: {
  tableName: string;
  indexName?: string;
  key: { name: string; value: string };
  only?: { name: string; value: string };
  consistentRead?: boolean;
}): QueryCommandInput {
  return {
    TableName: spec.tableName,
    IndexName: spec.indexName,
    KeyConditionExpression: "#pk = :pk",
    ...(spec.only ? { FilterExpression: "#only = :only" } : {}),
    ExpressionAttributeNames: { "#pk": spec.key.name, ...(spec.only ? { "#only": spec.only.name } : {}) },
    ExpressionAttributeValues: { ":pk": spec.key.value, ...(spec.only ? { ":only": spec.only.value } : {}) },
    ScanIndexForward: true,
    ConsistentRead: spec.consistentRead,
  };
}

export async function queryKeyPage<T extends Record<string, unknown>>(
  doc: DynamoDBDocumentClient,
  input: QueryCommandInput,
  page: KeyPageRequest,
): Promise<KeyPage<T>> {
  let output: QueryCommandOutput;
  try {
    output = await doc.send(
      new QueryCommand({ ...input, Limit: page.limit, ExclusiveStartKey: page.after ?? undefined }),
    );
  } catch (error) {
    throw toDomainError(error);
  }
  return { items: (output.Items ?? []) as T[], lastKey: output.LastEvaluatedKey ?? null };
}
