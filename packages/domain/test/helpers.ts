import { afterAll, beforeAll, inject } from "vitest";
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
