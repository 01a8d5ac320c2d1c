import { randomBytes } from "node:crypto";
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { createDocumentClient } from "../dynamo/client.js";
import { CursorCodec } from "../dynamo/cursor.js";
import { createRepositories, type Repositories } from "../repositories/index.js";
import { createTables, type TableNames } from "../tables.js";
import { localClient } from "./dynamodb-local.js";

export * from "./dynamodb-local.js";
export * from "./stall-proxy.js";

export interface TestDatabase {
  client: DynamoDBClient;
  doc: DynamoDBDocumentClient;
  tables: TableNames;
  prefix: string;
  cursors: CursorCodec;
  repositories: Repositories;
}

/** Tables under a fresh prefix in the given DynamoDB, so test files can run side by side. */
export async function createTestDatabase(endpoint: string, label = "t"): Promise<TestDatabase> {
  const client = localClient(endpoint);
  // The longest per-attempt timeout there is: a busy test machine is slow, not down.
  const doc = createDocumentClient({ stage: "test", endpoint, functionTimeoutSeconds: 60 });
  const prefix = `${label.replace(/[^A-Za-z0-9_.-]/g, "")}-${randomBytes(4).toString("hex")}-`;
  const tables = await createTables(client, prefix);
  const cursors = new CursorCodec("test-cursor-secret-0123456789");
  return { client, doc, tables, prefix, cursors, repositories: createRepositories({ doc, tables, cursors }) };
}
export * from "./tracing.js";
