import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { CONNECTION_TTL_SECONDS, ConnectionsRepository } from "../src/repositories/connections.js";
import { useTestDatabase } from "./helpers.js";

const database = useTestDatabase("connections");

/** A repository whose clock reads `now()`, so a connection can be made to outlive its TTL. */
function repositoryAt(now: () => Date) {
  const db = database();
  return new ConnectionsRepository({ doc: db.doc, tables: db.tables, cursors: db.cursors, now });
}

describe("connections", () => {
  it("are found by member and by followed item, and removed with all their subscriptions", async () => {
    const connections = database().repositories.connections;
    const userId = `user-${randomUUID()}`;
    const [first, second] = [`c-${randomUUID()}`, `c-${randomUUID()}`];
    await connections.connect({ userId, connectionId: first, groups: ["ApprovedUsers"], displayName: "Ann" });
    await connections.connect({ userId, connectionId: second, groups: ["ApprovedUsers"] });
    const itemId = `/2015/${randomUUID()}`;
    await connections.subscribe(userId, first, itemId);
    await connections.subscribe(userId, first, "/other");

    expect((await connections.connectionsOf(userId)).map((c) => c.connectionId).sort()).toEqual(
      [first, second].sort(),
    );
    expect((await connections.get(userId, first))?.subscriptions).toEqual(["/other", itemId].sort());
    expect((await connections.subscribersOf(itemId)).map((s) => s.connectionId)).toEqual([first]);

    expect(await connections.remove(userId, first)).toBe(true);
    expect(await connections.get(userId, first)).toBeNull();
    expect(await connections.subscribersOf(itemId)).toEqual([]);
    expect((await connections.connectionsOf(userId)).map((c) => c.connectionId)).toEqual([second]);
    expect(await connections.remove(userId, first)).toBe(false);
  });

  it("are absent to every reader once their two hours are up, and take no new subscription", async () => {
    let offsetMs = 0;
    const connections = repositoryAt(() => new Date(Date.now() + offsetMs));
    const userId = `user-${randomUUID()}`;
    const connectionId = `c-${randomUUID()}`;
    const itemId = `/2016/${randomUUID()}`;
    const stored = await connections.connect({ userId, connectionId, groups: ["ApprovedUsers"] });
    expect(stored.expiresAt - Math.floor(Date.parse(stored.connectedAt) / 1000)).toBe(CONNECTION_TTL_SECONDS);
    await connections.subscribe(userId, connectionId, itemId);

    // DynamoDB deletes expired items late (DynamoDB Local never): readers treat them as gone.
    offsetMs = (CONNECTION_TTL_SECONDS + 1) * 1000;
    expect(await connections.get(userId, connectionId)).toBeNull();
    expect(await connections.connectionsOf(userId)).toEqual([]);
    expect(await connections.subscribersOf(itemId)).toEqual([]);
    await expect(connections.subscribe(userId, connectionId, "/late")).rejects.toMatchObject({
      name: "NotFoundError",
    });
  });
});
