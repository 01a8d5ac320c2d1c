import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import { afterAll, beforeAll, inject } from "vitest";
import { createRepositories, type Repositories } from "../src/repositories/index.js";
import { deleteTables } from "../src/tables.js";
import { createTestDatabase, type TestDatabase } from "../src/testing/index.js";

/** Tables under a prefix of this file's own, created before its tests and deleted after. */
export function useTestDatabase(label: string): () => TestDatabase {
  let db: TestDatabase | undefined;
  beforeAll(async () => {
    db = await createTestDatabase(inject("dynamoEndpoint"), label);
  });
  afterAll(async () => {
    if (!db) return;
    await deleteTables(db.client, db.prefix);
    db.client.destroy();
  });
  return () => {
    if (!db) throw new Error("The test database is not ready");
    return db;
  };
}

export const member = (userId: string, extra: Partial<{ groups: string[]; name: string }> = {}) => ({
  userId,
  groups: extra.groups ?? ["ApprovedUsers"],
  name: extra.name,
});
export const admin = (userId: string) => member(userId, { groups: ["Admins"] });

/**
 * Repositories over the test's tables on a client that waits patiently for a connection: a
 * hundred requests at once on a busy test machine queue for sockets, which a function's 1 s
 * connection timeout would count as the database being down. For the tests of concurrency,
 * whose subject is the counts, not the timeouts.
 */
export function patientRepositories(db: TestDatabase): { repositories: Repositories; destroy: () => void } {
  const client = new DynamoDBClient({
    endpoint: inject("dynamoEndpoint"),
    region: "local",
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
    requestHandler: new NodeHttpHandler({ connectionTimeout: 30_000, requestTimeout: 60_000 }),
  });
  const doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  return {
    repositories: createRepositories({ doc, tables: db.tables, cursors: db.cursors }),
    destroy: () => client.destroy(),
  };
}
