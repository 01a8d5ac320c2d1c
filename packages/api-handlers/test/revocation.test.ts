import { RevocationList } from "@hearth/domain";
import { describe, expect, it } from "vitest";
import {
  authorizerDate,
  claimsFor,
  type InMemoryMemberGroups,
  invoker,
  type TestUser,
  testDependencies,
  users,
  useTestApi,
} from "./helpers.js";

const api = useTestApi("revocation");
const admin = users.admin;

/** Someone who signed in as a member (the sign-in trigger marked the profile). */
async function member(userId: string, displayName: string, cognitoUsername?: string): Promise<TestUser> {
  await api().db.repositories.profiles.ensureOnSignIn(userId, {
    displayName,
    email: `${userId}@example.org`,
    isMember: true,
    cognitoUsername,
  });
  return { userId, email: `${userId}@example.org`, name: displayName, groups: ["ApprovedUsers"] };
}

const revoke = (userId: string, caller: TestUser = admin) =>
  api().call("POST", "/admin/members/{userId}/revoke", { caller, pathParameters: { userId } });
const approve = (userId: string, caller: TestUser = admin) =>
  api().call("POST", "/admin/members/{userId}/approve", { caller, pathParameters: { userId } });
const listed = async (status: string) => {
  const response = await api().call("GET", "/admin/members", {
    caller: admin,
    query: { status, limit: "100" },
  });
  return response.body.members.map((person: { userId: string }) => person.userId) as string[];
};
/** The claims of a token of `user` issued at `issuedAt`. */
const tokenIssuedAt = (user: TestUser, issuedAt: Date) => ({
  ...claimsFor(user),
  iat: authorizerDate(issuedAt),
});

describe("POST /admin/members/{userId}/revoke", () => {
  it("takes the person out of ApprovedUsers, signs them out everywhere and marks them revoked, once", async () => {
    const groups = api().deps.memberGroups as InMemoryMemberGroups;
    await member("rev-ann", "Ann", "ann@example.org");
    const response = await revoke("rev-ann");
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ userId: "rev-ann", membership: "revoked" });
    expect(groups.removed).toContain("ann@example.org");
    expect(groups.signedOut).toContain("ann@example.org");
    expect(await api().db.repositories.profiles.get("rev-ann")).toMatchObject({
      membership: "revoked",
      revokedBy: admin.userId,
    });
    expect((await api().db.repositories.revocations.activeRevocations()).has("rev-ann")).toBe(true);
    // Out of the directory, listed apart for admins.
    const directory = await api().call("GET", "/members", { caller: users.alice, query: { limit: "100" } });
    expect(directory.body.members.map((m: { userId: string }) => m.userId)).not.toContain("rev-ann");
    expect(await listed("revoked")).toContain("rev-ann");
    expect(await listed("approved")).not.toContain("rev-ann");

    const calls = [groups.removed.length, groups.signedOut.length];
    const revokedAt = (await api().db.repositories.profiles.get("rev-ann"))?.revokedAt;
    const again = await revoke("rev-ann");
    expect(again.status).toBe(200);
    expect(again.body).toEqual({ userId: "rev-ann", membership: "revoked" });
    expect([groups.removed.length, groups.signedOut.length]).toEqual(calls);
    expect((await api().db.repositories.profiles.get("rev-ann"))?.revokedAt).toBe(revokedAt);
  });

  it("refuses oneself (403) and another admin (403 TARGET_IS_ADMIN), and answers 404 for nobody, changing nothing", async () => {
    const groups = api().deps.memberGroups as InMemoryMemberGroups;
    await member("rev-boss", "Boss", "boss@example.org");
    groups.admins.add("boss@example.org");
    const calls = groups.removed.length;

    const self = await revoke(admin.userId);
    expect(self.status).toBe(403);
    expect(self.body.error.code).toBe("FORBIDDEN");
    const other = await revoke("rev-boss");
    expect(other.status).toBe(403);
    expect(other.body.error.code).toBe("TARGET_IS_ADMIN");
    const nobody = await revoke("rev-nobody");
    expect(nobody.status).toBe(404);
    expect(nobody.body.error.code).toBe("NOT_FOUND");
    const byMember = await revoke("rev-boss", users.alice);
    expect(byMember.status).toBe(403);

    expect(groups.removed).toHaveLength(calls);
    expect((await api().db.repositories.profiles.get("rev-boss"))?.membership).toBe("member");
    expect((await api().db.repositories.revocations.activeRevocations()).has("rev-boss")).toBe(false);
  });

  it("is undone by approve: the person is a member again and a token issued after it works", async () => {
    const groups = api().deps.memberGroups as InMemoryMemberGroups;
    const cy = await member("rev-cy", "Cy");
    await revoke("rev-cy");
    const approved = await approve("rev-cy");
    expect(approved.status).toBe(200);
    expect(approved.body).toMatchObject({ status: "approved", revokedAt: null });
    expect(groups.added.at(-1)).toBe("rev-cy");
    expect(await listed("approved")).toContain("rev-cy");
    const fresh = await api().call("GET", "/profile/{userId}", {
      claims: tokenIssuedAt(cy, new Date(Date.now() + 2000)),
      pathParameters: { userId: "rev-cy" },
    });
    expect(fresh.status).toBe(200);
  });
});

describe("DELETE /admin/members/{userId}", () => {
  it("refuses to delete another admin (403 TARGET_IS_ADMIN) and starts no job", async () => {
    const groups = api().deps.memberGroups as InMemoryMemberGroups;
    await member("del-boss", "Big Boss", "bigboss@example.org");
    groups.admins.add("bigboss@example.org");
    const response = await api().call("DELETE", "/admin/members/{userId}", {
      caller: admin,
      pathParameters: { userId: "del-boss" },
    });
    expect(response.status).toBe(403);
    expect(response.body.error.code).toBe("TARGET_IS_ADMIN");
    expect(await api().db.repositories.jobs.activeJob("deletion", "del-boss")).toBeNull();
  });
});

describe("a revoked member's unexpired token", () => {
  it("is refused on every member route within 60 seconds (the list is read once a minute), and writes nothing", async () => {
    let now = new Date("2031-03-01T10:00:00Z");
    const clock = () => now;
    const deps = testDependencies(api().db, {
      revocations: new RevocationList(api().db.repositories.revocations, clock),
    });
    const call = invoker(deps);
    const dee = await member("rev-dee", "Dee");
    const token = tokenIssuedAt(dee, new Date(Date.now() - 60_000));
    // The container reads the list with this request (nobody is revoked yet) and keeps it a minute.
    expect(
      (await call("GET", "/profile/{userId}", { claims: token, pathParameters: { userId: "rev-dee" } }))
        .status,
    ).toBe(200);

    await revoke("rev-dee");
    now = new Date(now.getTime() + 59_000);
    expect(
      (await call("GET", "/profile/{userId}", { claims: token, pathParameters: { userId: "rev-dee" } }))
        .status,
    ).toBe(200);

    now = new Date(now.getTime() + 1_000);
    for (const [method, resource, options] of [
      ["GET", "/profile/{userId}", { pathParameters: { userId: "rev-dee" } }],
      ["GET", "/members", {}],
      ["PUT", "/profile", { body: { bio: "Still here" } }],
      [
        "POST",
        "/comments/{itemId}",
        { pathParameters: { itemId: "/x" }, body: { commentText: "Hi", itemTitle: "X" } },
      ],
      ["GET", "/notifications", {}],
    ] as const) {
      const response = await call(method, resource, { claims: token, ...options });
      expect(response.status, `${method} ${resource}`).toBe(403);
      expect(response.body.error.code).toBe("MEMBERSHIP_REVOKED");
    }
    expect((await api().db.repositories.profiles.get("rev-dee"))?.bio).toBe("");
  });

  it("does not cost an ordinary request a read: the list is read once per container per minute", async () => {
    let reads = 0;
    let now = new Date("2031-03-02T10:00:00Z");
    const source = api().db.repositories.revocations;
    const list = new RevocationList(
      {
        activeRevocations: () => {
          reads++;
          return source.activeRevocations();
        },
      },
      () => now,
    );
    const call = invoker(testDependencies(api().db, { revocations: list }));
    for (let n = 0; n < 5; n++)
      expect((await call("GET", "/members", { caller: users.alice })).status).toBe(200);
    expect(reads).toBe(1);
    now = new Date(now.getTime() + 60_000);
    await call("GET", "/members", { caller: users.alice });
    expect(reads).toBe(2);
  });
});
