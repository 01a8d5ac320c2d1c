import { GetCommand } from "@aws-sdk/lib-dynamodb";
import { describe, expect, it } from "vitest";
import { batchGetAll, batchWriteAll } from "../src/dynamo/batch.js";
import { queryAll } from "../src/dynamo/query.js";
import { transactWrite } from "../src/dynamo/transactions.js";
import { ConflictError, ItemTooLargeError } from "../src/errors.js";
import { useTestDatabase } from "./helpers.js";

const db = useTestDatabase("batch");

describe("batch and transaction toolkit on DynamoDB Local", () => {
  it("writes 130 items in chunks and reads every one back", async () => {
    const { doc, tables } = db();
    const items = Array.from({ length: 130 }, (_, i) => ({ id: `item-${i}`, n: i }));
    await batchWriteAll(
      doc,
      tables.IdempotencyRecords,
      items.map((put) => ({ put })),
    );
    const read = await batchGetAll<{ id: string; n: number }>(
      doc,
      tables.IdempotencyRecords,
      items.map(({ id }) => ({ id })),
    );
    expect(read).toHaveLength(130);
    expect(read.map((item) => item.n).sort((a, b) => a - b)).toEqual(items.map((item) => item.n));

    await batchWriteAll(
      doc,
      tables.IdempotencyRecords,
      items.slice(0, 40).map(({ id }) => ({ delete: { id } })),
    );
    const left = await batchGetAll(
      doc,
      tables.IdempotencyRecords,
      items.map(({ id }) => ({ id })),
    );
    expect(left).toHaveLength(90);
  });

  it("guards item size before writing", async () => {
    const { doc, tables } = db();
    await expect(
      batchWriteAll(doc, tables.IdempotencyRecords, [{ put: { id: "big", data: "x".repeat(410 * 1024) } }]),
    ).rejects.toBeInstanceOf(ItemTooLargeError);
    const output = await doc.send(
      new GetCommand({ TableName: tables.IdempotencyRecords, Key: { id: "big" } }),
    );
    expect(output.Item).toBeUndefined();
  });

  it("applies a transaction atomically and reports the item whose condition failed", async () => {
    const { doc, tables } = db();
    await transactWrite(doc, [
      { Put: { TableName: tables.IdempotencyRecords, Item: { id: "tx-a" } } },
      { Put: { TableName: tables.IdempotencyRecords, Item: { id: "tx-b" } } },
    ]);
    const error = await transactWrite(doc, [
      { Put: { TableName: tables.IdempotencyRecords, Item: { id: "tx-c" } } },
      {
        Put: {
          TableName: tables.IdempotencyRecords,
          Item: { id: "tx-b" },
          ConditionExpression: "attribute_not_exists(id)",
        },
      },
    ]).catch((e) => e);
    expect(error).toBeInstanceOf(ConflictError);
    expect(error.reasons).toEqual([undefined, "ConditionalCheckFailed"]);
    const c = await doc.send(new GetCommand({ TableName: tables.IdempotencyRecords, Key: { id: "tx-c" } }));
    expect(c.Item).toBeUndefined();
  });

  it("follows every page of a query with queryAll", async () => {
    const { doc, tables } = db();
    const { comments } = db().repositories;
    for (let i = 0; i < 25; i++) {
      await comments.create({
        itemId: "/all",
        userId: `u${i}`,
        userName: "",
        userPhotoUrl: null,
        commentText: `${i}`,
        itemTitle: null,
      });
    }
    const texts: string[] = [];
    for await (const item of queryAll<{ commentText: string }>(doc, {
      TableName: tables.Comments,
      KeyConditionExpression: "itemId = :i",
      ExpressionAttributeValues: { ":i": "/all" },
      Limit: 10,
    })) {
      texts.push(item.commentText);
    }
    expect(texts).toEqual(Array.from({ length: 25 }, (_, i) => `${i}`));
  });
});
