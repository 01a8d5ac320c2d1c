import { type ProfilesRepository, UnavailableError } from "@hearth/domain";
import { describe, expect, it } from "vitest";
import {
  InMemoryMemberGroups,
  invoker,
  type TestUser,
  testDependencies,
  users,
  useTestApi,
} from "./helpers.js";

const api = useTestApi("admin");
const admin = users.admin;

/** Someone who signed in (the sign-in trigger made their profile) and waits for approval. */
async function signedIn(userId: string, displayName: string, cognitoUsername?: string) {
  await api().db.repositories.profiles.ensureOnSignIn(userId, {
    displayName,
    email: `${userId}@example.org`,
    isMember: false,
    cognitoUsername,
  });
}

const list = (query: Record<string, string> = {}, caller: TestUser = admin) =>
  api().call("GET", "/admin/members", { caller, query });
const approve = (userId: string, caller: TestUser = admin) =>
  api().call("POST", "/admin/members/{userId}/approve", { caller, pathParameters: { userId } });
const idsOf = (body: { members: { userId: string }[] }, prefix: string) =>
  body.members.map((member) => member.userId).filter((id) => id.startsWith(prefix));

describe("GET /admin/members", () => {
  it("lists the people waiting for approval by default, by name, with what an admin decides on", async () => {
    await signedIn("list-zoe", "Zoe");
    await signedIn("list-abe", "abe");
    await api().db.repositories.profiles.ensureOnSignIn("list-member", {
      displayName: "Mia",
      isMember: true,
    });
    const response = await list({ limit: "100" });
    expect(response.status).toBe(200);
    expect(idsOf(response.body, "list-")).toEqual(["list-abe", "list-zoe"]);
    const zoe = response.body.members.find((member: { userId: string }) => member.userId === "list-zoe");
    expect(zoe).toEqual({
      userId: "list-zoe",
      displayName: "Zoe",
      email: "list-zoe@example.org",
      createdAt: expect.any(String),
      status: "pending",
      approvedAt: null,
      approvedBy: null,
      revokedAt: null,
      revokedBy: null,
    });
    const approved = await list({ status: "approved", limit: "100" });
    expect(idsOf(approved.body, "list-")).toEqual(["list-member"]);
    expect(approved.body.members.every((member: { status: string }) => member.status === "approved")).toBe(
      true,
    );
  });

  it("pages with a signed cursor that belongs to its own list", async () => {
    for (const name of ["page-a", "page-b", "page-c"]) await signedIn(name, name);
    const first = await list({ limit: "1" });
    expect(first.body.members).toHaveLength(1);
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const second = await list({ limit: "1", cursor: first.body.nextCursor });
    expect(second.status).toBe(200);
    expect(second.body.members[0].userId).not.toBe(first.body.members[0].userId);
    // The pending list's cursor is not the approved list's, nor a tampered one valid anywhere.
    const foreign = await list({ status: "approved", cursor: first.body.nextCursor });
    expect(foreign.status).toBe(400);
    const tampered = await list({ cursor: `${first.body.nextCursor.slice(0, -2)}xx` });
    expect(tampered.status).toBe(400);
  });

  it.each([
    ["an unknown status", { status: "<script>everyone</script>" }],
    ["an empty status", { status: "" }],
    ["a limit of 0", { limit: "0" }],
    ["a limit over 100", { limit: "101" }],
  ])("refuses %s with 400, without echoing it", async (_, query) => {
    const response = await list(query);
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe("INVALID_INPUT");
    expect(response.raw.body).not.toContain("script");
  });
});

describe("POST /admin/members/{userId}/approve", () => {
  it("adds the person to ApprovedUsers by their Cognito username, records who and when, and answers the member view", async () => {
    const groups = api().deps.memberGroups as InMemoryMemberGroups;
    await signedIn("appr-ivy", "Ivy", "ivy@example.org");
    const response = await approve("appr-ivy");
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      userId: "appr-ivy",
      displayName: "Ivy",
      email: "appr-ivy@example.org",
      createdAt: expect.any(String),
      status: "approved",
      approvedAt: expect.any(String),
      approvedBy: admin.userId,
      revokedAt: null,
      revokedBy: null,
    });
    expect(groups.added.filter((name) => name === "ivy@example.org")).toHaveLength(1);
    expect(idsOf((await list({ limit: "100" })).body, "appr-ivy")).toEqual([]);
    expect(idsOf((await list({ status: "approved", limit: "100" })).body, "appr-ivy")).toEqual(["appr-ivy"]);
    // Now in the member directory too.
    const directory = await api().call("GET", "/members", { caller: users.alice, query: { limit: "100" } });
    expect(directory.body.members.map((member: { userId: string }) => member.userId)).toContain("appr-ivy");
  });

  it("changes nothing for someone already approved: same answer, no second group call", async () => {
    const groups = api().deps.memberGroups as InMemoryMemberGroups;
    await signedIn("appr-jon", "Jon");
    const first = await approve("appr-jon");
    const callsBefore = groups.added.length;
    const again = await approve("appr-jon");
    expect(again.status).toBe(200);
    expect(again.body).toEqual(first.body);
    expect(groups.added).toHaveLength(callsBefore);
    // Someone who became a member at sign-in (approved in the console) is answered as they are.
    await api().db.repositories.profiles.ensureOnSignIn("appr-old", { displayName: "Old", isMember: true });
    const old = await approve("appr-old");
    expect(old.body).toMatchObject({ status: "approved", approvedAt: null, approvedBy: null });
    expect(groups.added).toHaveLength(callsBefore);
  });

  it("uses the user id as the username when the sign-in recorded none", async () => {
    const groups = api().deps.memberGroups as InMemoryMemberGroups;
    await signedIn("appr-sub-only", "Sub");
    expect((await approve("appr-sub-only")).status).toBe(200);
    expect(groups.added.at(-1)).toBe("appr-sub-only");
  });

  it("answers 404 for an unknown person, and for one the user pool no longer has, changing nothing", async () => {
    const groups = api().deps.memberGroups as InMemoryMemberGroups;
    const callsBefore = groups.added.length;
    const unknown = await approve("appr-nobody");
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe("NOT_FOUND");
    expect(await api().db.repositories.profiles.get("appr-nobody")).toBeNull();

    await signedIn("appr-gone", "Gone", "gone-username");
    groups.missing.add("gone-username");
    const gone = await approve("appr-gone");
    expect(gone.status).toBe(404);
    expect(await api().db.repositories.profiles.get("appr-gone")).toMatchObject({ membership: "pending" });
    expect(groups.added).toHaveLength(callsBefore);
  });

  it("can be retried when the profile update failed after the group was changed", async () => {
    const { db } = api();
    const groups = new InMemoryMemberGroups();
    // The profile write fails once (the database is unreachable), as if the function died there.
    const profiles = Object.create(db.repositories.profiles) as ProfilesRepository;
    let failures = 1;
    profiles.approve = async (...args) => {
      if (failures-- > 0) throw new UnavailableError("DynamoDB did not answer in time");
      return db.repositories.profiles.approve(...args);
    };
    const call = invoker(
      testDependencies(db, { repositories: { ...db.repositories, profiles }, memberGroups: groups }),
    );
    await signedIn("appr-retry", "Retry", "retry-username");
    const options = { caller: admin, pathParameters: { userId: "appr-retry" } };
    const failed = await call("POST", "/admin/members/{userId}/approve", options);
    expect(failed.status).toBe(503);
    expect(groups.added).toEqual(["retry-username"]);
    expect(await db.repositories.profiles.get("appr-retry")).toMatchObject({ membership: "pending" });

    const retried = await call("POST", "/admin/members/{userId}/approve", options);
    expect(retried.status).toBe(200);
    expect(retried.body).toMatchObject({ status: "approved", approvedBy: admin.userId });
    // Adding to the group again is what Cognito does with no change.
    expect(groups.added).toEqual(["retry-username", "retry-username"]);
  });

  it("is for admins only: a member gets 403 FORBIDDEN, someone pending 403 MEMBERSHIP_PENDING", async () => {
    await signedIn("appr-victim", "Victim");
    const byMember = await approve("appr-victim", users.alice);
    expect(byMember.status).toBe(403);
    expect(byMember.body.error.code).toBe("FORBIDDEN");
    const byPending = await approve("appr-victim", users.stranger);
    expect(byPending.body.error.code).toBe("MEMBERSHIP_PENDING");
    expect(await api().db.repositories.profiles.get("appr-victim")).toMatchObject({ membership: "pending" });
  });
});
