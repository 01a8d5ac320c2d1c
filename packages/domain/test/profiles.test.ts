import { GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import { describe, expect, it } from "vitest";
import { directoryNameOf } from "../src/repositories/index.js";
import { useTestDatabase } from "./helpers.js";

const db = useTestDatabase("profiles");

describe("ProfilesRepository", () => {
  it("returns null for a user without a profile", async () => {
    expect(await db().repositories.profiles.get("nobody")).toBeNull();
  });

  it("creates a profile with defaults, then updates only the given fields", async () => {
    const { profiles } = db().repositories;
    const created = await profiles.upsert("ann", { displayName: "Ann" }, { email: "Ann@Example.com" });
    expect(created).toMatchObject({
      userId: "ann",
      email: "ann@example.com",
      displayName: "Ann",
      bio: "",
      profilePhotoUrl: null,
      isProfilePrivate: false,
      notificationPreferences: { comments: true, reactions: true, messages: true },
      commentCount: 0,
      lastActive: null,
    });
    const updated = await profiles.upsert("ann", { bio: "Family historian", isProfilePrivate: true });
    expect(updated.displayName).toBe("Ann");
    expect(updated.bio).toBe("Family historian");
    expect(updated.isProfilePrivate).toBe(true);
    expect(updated.createdAt).toBe(created.createdAt);
    expect(await profiles.get("ann")).toEqual(updated);
    expect((await profiles.findByEmail("ann@example.com"))?.userId).toBe("ann");
  });

  it("keeps counters atomic and lastActive moving forward only", async () => {
    const { profiles } = db().repositories;
    await profiles.upsert("bob", { displayName: "Bob" });
    await Promise.all(Array.from({ length: 20 }, () => profiles.addToCommentCount("bob", 1)));
    await profiles.addToCommentCount("bob", -3);
    expect(await profiles.touchLastActive("bob", "2024-05-02T00:00:00.000Z")).toBe(true);
    expect(await profiles.touchLastActive("bob", "2024-05-01T00:00:00.000Z")).toBe(false);
    const bob = await profiles.get("bob");
    expect(bob?.commentCount).toBe(17);
    expect(bob?.lastActive).toBe("2024-05-02T00:00:00.000Z");
  });

  it("treats activity-only rows as no profile, and keeps their counts once the profile is saved", async () => {
    const { profiles } = db().repositories;
    await profiles.addToCommentCount("carol", 2);
    expect(await profiles.get("carol")).toBeNull();
    const saved = await profiles.upsert("carol", { displayName: "Carol" });
    expect(saved.commentCount).toBe(2);
    const many = await profiles.getMany(["carol", "ann", "nobody", "carol"]);
    expect([...many.keys()].sort()).toEqual(["ann", "carol"]);
  });

  it("lets one of many concurrent claims of a notification slot win, per kind, per window", async () => {
    const { profiles } = db().repositories;
    await profiles.upsert("dan", { displayName: "Dan" });
    const now = new Date("2024-06-01T12:00:00.000Z");
    const claims = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        profiles.claimNotificationSlot("dan", "comment", now, 900, `e${i}`),
      ),
    );
    expect(claims.filter((claim) => claim.claimed)).toHaveLength(1);
    const winner = `e${claims.findIndex((claim) => claim.claimed)}`;
    expect((await profiles.claimNotificationSlot("dan", "reaction", now, 900, "r1")).claimed).toBe(true);
    const later = new Date(now.getTime() + 14 * 60_000);
    // Taken: the claim says which window holds it, and whether it was this same event.
    expect(await profiles.claimNotificationSlot("dan", "comment", later, 900, "e-late")).toEqual({
      claimed: false,
      windowStart: now.toISOString(),
      sameEvent: false,
    });
    expect(await profiles.claimNotificationSlot("dan", "comment", later, 900, winner)).toEqual({
      claimed: false,
      windowStart: now.toISOString(),
      sameEvent: true,
    });
    // The window's digest closed it: only a reopen from that very window moves it on.
    expect(
      await profiles.reopenNotificationSlot("dan", "comment", "2024-01-01T00:00:00.000Z", later, "x"),
    ).toBe(false);
    expect(await profiles.reopenNotificationSlot("dan", "comment", now.toISOString(), later, "e-late")).toBe(
      true,
    );
    const afterWindow = new Date(later.getTime() + 15 * 60_000);
    expect((await profiles.claimNotificationSlot("dan", "comment", afterWindow, 900, "e2")).claimed).toBe(
      true,
    );
    // Given back after a failed send, the slot can be claimed again at once.
    await profiles.releaseNotificationSlot("dan", "comment", afterWindow);
    expect((await profiles.claimNotificationSlot("dan", "comment", afterWindow, 900, "e2")).claimed).toBe(
      true,
    );
    // No saved profile, nobody to email.
    expect(await profiles.claimNotificationSlot("ghost", "comment", now, 900, "e3")).toEqual({
      claimed: false,
      windowStart: null,
      sameEvent: false,
    });
  });

  it("creates a profile at the first sign-in and never overwrites one that exists", async () => {
    const { profiles } = db().repositories;
    const { profile: first } = await profiles.ensureOnSignIn("sig", {
      email: "Sig@Example.org",
      displayName: "Sigrid",
      isMember: true,
    });
    expect(first).toMatchObject({
      userId: "sig",
      email: "sig@example.org",
      displayName: "Sigrid",
      bio: "",
      membership: "member",
      commentCount: 0,
    });
    await profiles.upsert("sig", { displayName: "Siggy", bio: "Keeps the letters" });
    const { profile: again } = await profiles.ensureOnSignIn("sig", {
      displayName: "Sigrid",
      isMember: true,
    });
    expect(again).toMatchObject({
      displayName: "Siggy",
      bio: "Keeps the letters",
      createdAt: first.createdAt,
    });
  });

  it("lists members only, by name regardless of case, a page per Query, following renames", async () => {
    const { profiles } = db().repositories;
    // Other tests of this file add members too: look at these users only.
    const mine = (page: { items: { userId: string }[] }) =>
      page.items.map((p) => p.userId).filter((id) => id.startsWith("dir-"));
    await profiles.ensureOnSignIn("dir-zed", { displayName: "zed", isMember: true });
    await profiles.ensureOnSignIn("dir-amy", { displayName: "Amy", isMember: true });
    await profiles.ensureOnSignIn("dir-bea", { displayName: "bea", isMember: true });
    await profiles.ensureOnSignIn("dir-amy2", { displayName: "Amy B", isMember: true });
    await profiles.ensureOnSignIn("dir-outsider", { displayName: "Aaron", isMember: false });
    await profiles.upsert("dir-private", { displayName: "Cy", isProfilePrivate: true }, { isMember: true });
    const all = await profiles.listMembers({ limit: 100 });
    expect(mine(all)).toEqual(["dir-amy", "dir-amy2", "dir-bea", "dir-private", "dir-zed"]);

    const firstPage = await profiles.listMembers({ limit: 2 });
    const secondPage = await profiles.listMembers({ limit: 2, cursor: firstPage.nextCursor });
    expect(firstPage.items).toHaveLength(2);
    expect(secondPage.items[0]?.userId).not.toBe(firstPage.items[1]?.userId);

    // A rename moves the person in the same update; losing membership takes them out.
    await profiles.upsert("dir-zed", { displayName: "Abe" });
    await profiles.ensureOnSignIn("dir-bea", { displayName: "bea", isMember: false });
    expect(mine(await profiles.listMembers({ limit: 100 }))).toEqual([
      "dir-zed",
      "dir-amy",
      "dir-amy2",
      "dir-private",
    ]);
    // The profile of someone who is no longer a member stays as it was, and waits for approval again.
    expect(await profiles.get("dir-bea")).toMatchObject({ displayName: "bea", membership: "pending" });
  });

  it("lists the people waiting for approval in their own partition, by name, with the Cognito username", async () => {
    const { profiles } = db().repositories;
    const mine = (page: { items: { userId: string }[] }) =>
      page.items.map((p) => p.userId).filter((id) => id.startsWith("wait-"));
    await profiles.ensureOnSignIn("wait-yan", {
      displayName: "Yan",
      isMember: false,
      cognitoUsername: "yan-uuid",
    });
    await profiles.ensureOnSignIn("wait-eve", { displayName: "eve", isMember: false });
    await profiles.ensureOnSignIn("wait-member", { displayName: "Mo", isMember: true });
    expect(await profiles.get("wait-yan")).toMatchObject({
      membership: "pending",
      cognitoUsername: "yan-uuid",
    });
    expect(mine(await profiles.listMembers({ limit: 100 }, "pending"))).toEqual(["wait-eve", "wait-yan"]);
    expect(mine(await profiles.listMembers({ limit: 100 }))).toEqual(["wait-member"]);
    // A cursor of the pending list is not one of the directory's.
    const first = await profiles.listMembers({ limit: 1 }, "pending");
    expect(first.nextCursor).not.toBeNull();
    await expect(
      profiles.listMembers({ limit: 1, cursor: first.nextCursor }, "member"),
    ).rejects.toMatchObject({
      code: "INVALID_INPUT",
    });
  });

  it("approves a waiting person once: who and when are recorded, a second approval changes nothing", async () => {
    const { profiles } = db().repositories;
    await profiles.ensureOnSignIn("appr-ida", { displayName: "Ida", isMember: false });
    const first = await profiles.approve("appr-ida", "admin-1");
    expect(first.changed).toBe(true);
    expect(first.profile).toMatchObject({
      membership: "member",
      approvedBy: "admin-1",
      approvedAt: expect.any(String),
      displayName: "Ida",
    });
    const second = await profiles.approve("appr-ida", "admin-2");
    expect(second).toEqual({ profile: first.profile, changed: false });
    // Concurrent approvals: exactly one of them writes.
    await profiles.ensureOnSignIn("appr-jo", { displayName: "Jo", isMember: false });
    const racing = await Promise.all([profiles.approve("appr-jo", "a"), profiles.approve("appr-jo", "b")]);
    expect(racing.filter((result) => result.changed)).toHaveLength(1);
    await expect(profiles.approve("appr-nobody", "admin-1")).rejects.toMatchObject({ code: "NOT_FOUND" });
    expect(await profiles.get("appr-nobody")).toBeNull();
  });

  it("approves a profile saved before pending people were marked (no membership at all)", async () => {
    const { doc, tables, repositories } = db();
    await doc.send(
      new PutCommand({
        TableName: tables.UserProfiles,
        Item: { userId: "appr-old", displayName: "Old", createdAt: "2024-01-01T00:00:00.000Z" },
      }),
    );
    expect((await repositories.profiles.get("appr-old"))?.membership).toBeUndefined();
    expect((await repositories.profiles.approve("appr-old", "admin-1")).changed).toBe(true);
    expect(await repositories.profiles.get("appr-old")).toMatchObject({ membership: "member" });
  });

  it("gives a profile saved before the directory existed its directory entry", async () => {
    const { doc, tables, repositories } = db();
    await doc.send(
      new PutCommand({
        TableName: tables.UserProfiles,
        Item: { userId: "dir-old", displayName: "Olga", createdAt: "2024-01-01T00:00:00.000Z" },
      }),
    );
    await repositories.profiles.ensureOnSignIn("dir-old", { displayName: "olga.k", isMember: true });
    const stored = await doc.send(
      new GetCommand({ TableName: tables.UserProfiles, Key: { userId: "dir-old" } }),
    );
    expect(stored.Item).toMatchObject({
      displayName: "Olga",
      directoryName: directoryNameOf("Olga", "dir-old"),
    });
  });
});
