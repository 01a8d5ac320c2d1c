import { describe, expect, it } from "vitest";
import { saveProfile, type TestUser, users, useTestApi } from "./helpers.js";
import { looksLikeMarkup, XSS_PAYLOADS } from "./xss.js";

const api = useTestApi("profile");

const PUBLIC_FIELDS = [
  "bio",
  "commentCount",
  "createdAt",
  "displayName",
  "isProfilePrivate",
  "lastActive",
  "profilePhotoUrl",
  "updatedAt",
  "userId",
];

const getProfile = (userId: string, caller: TestUser = users.alice) =>
  api().call("GET", "/profile/{userId}", { caller, pathParameters: { userId } });

describe("PUT /profile", () => {
  it("creates the caller's profile and then updates only the given fields", async () => {
    const { call } = api();
    const created = await call("PUT", "/profile", {
      caller: users.alice,
      body: {
        displayName: "Alice Archer",
        bio: "Keeps the letters",
        profilePhotoUrl: "https://photos.example.org/alice.jpg",
        isProfilePrivate: false,
        notificationPreferences: { comments: true, reactions: false, messages: true },
      },
    });
    expect(created.status).toBe(200);
    expect(created.body).toEqual({
      userId: users.alice.userId,
      displayName: "Alice Archer",
      bio: "Keeps the letters",
      profilePhotoUrl: "https://photos.example.org/alice.jpg",
      isProfilePrivate: false,
      commentCount: 0,
      lastActive: null,
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
      email: users.alice.email,
      notificationPreferences: {
        comments: true,
        reactions: false,
        messages: true,
        replies: true,
        mentions: true,
      },
      emailStatus: "active",
    });

    const updated = await call("PUT", "/profile", { caller: users.alice, body: { bio: "Now also photos" } });
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({ displayName: "Alice Archer", bio: "Now also photos" });
    expect(updated.body.createdAt).toBe(created.body.createdAt);
  });

  it.each([
    ["displayName too long", { displayName: "x".repeat(101) }],
    ["displayName empty", { displayName: "   " }],
    ["displayName only markup", { displayName: "<b></b>" }],
    ["bio too long", { bio: "b".repeat(501) }],
    ["photo over http", { profilePhotoUrl: "http://photos.example.org/a.jpg" }],
    ["photo as javascript: URL", { profilePhotoUrl: "javascript:alert(1)" }],
    ["photo not a URL", { profilePhotoUrl: "not a url" }],
    ["photo with credentials", { profilePhotoUrl: "https://me:secret@photos.example.org/a.jpg" }],
    ["photo on a bare host", { profilePhotoUrl: "https://intranet/a.jpg" }],
    ["isProfilePrivate not a boolean", { isProfilePrivate: "yes" }],
    ["displayName not a string", { displayName: 42 }],
    [
      "preferences with an extra key",
      { notificationPreferences: { comments: true, reactions: true, messages: true, sms: true } },
    ],
    ["preferences not booleans", { notificationPreferences: { comments: 1, reactions: 0, messages: 1 } }],
    ["unknown field", { displayName: "Bob", role: "Admins" }],
    ["someone else's id", { userId: users.alice.userId }],
    ["counters", { commentCount: 1000 }],
    ["no fields at all", {}],
  ])("refuses %s with 400 and changes nothing", async (_, body) => {
    const { call } = api();
    await saveProfile(call, users.bob, { bio: "Original bio" });
    const before = await getProfile(users.bob.userId, users.bob);
    const response = await call("PUT", "/profile", { caller: users.bob, body });
    expect(response.status).toBe(400);
    expect(response.body.error).toEqual({ code: "INVALID_INPUT", message: expect.any(String) });
    expect((await getProfile(users.bob.userId, users.bob)).body).toEqual(before.body);
  });

  it.each([
    ["another host", "https://tracker.example.net/pixel.gif"],
    ["a look-alike of the photo host", "https://photos.example.org.tracker.example/a.jpg"],
    ["a subdomain of the photo host", "https://cdn.photos.example.org/a.jpg"],
  ])(
    "refuses a photo URL on %s (not one of the photo hosts) with 400 and changes nothing",
    async (_, url) => {
      const { call } = api();
      await saveProfile(call, users.bob, { profilePhotoUrl: "https://photos.example.org/bob.jpg" });
      const before = await getProfile(users.bob.userId, users.bob);
      const response = await call("PUT", "/profile", {
        caller: users.bob,
        body: { displayName: "Bob Renamed", profilePhotoUrl: url },
      });
      expect(response.status).toBe(400);
      expect(response.body.error).toEqual({
        code: "INVALID_INPUT",
        message:
          "profilePhotoUrl must be on one of this archive's photo hosts; upload the photo with POST /profile/photo and send profilePhotoKey",
      });
      expect(response.raw.body).not.toContain("tracker");
      expect((await getProfile(users.bob.userId, users.bob)).body).toEqual(before.body);
    },
  );

  it("serves no photo for a link stored before photo hosts were limited, and lets it be cleared", async () => {
    const { call, db } = api();
    const linker = { ...users.carol, userId: "user-linker", name: "Linker" };
    await saveProfile(call, linker);
    // As an earlier version stored it: any https URL.
    await db.repositories.profiles.upsert(linker.userId, {
      profilePhotoUrl: "https://tracker.example.net/pixel.gif",
    });
    expect((await getProfile(linker.userId, users.alice)).body.profilePhotoUrl).toBeNull();
    const members = await call("GET", "/members", { caller: users.alice, query: { limit: "100" } });
    expect(members.body.members.find((m: { userId: string }) => m.userId === linker.userId)).toMatchObject({
      profilePhotoUrl: null,
    });
    const cleared = await call("PUT", "/profile", { caller: linker, body: { profilePhotoUrl: null } });
    expect(cleared.status).toBe(200);
    expect(cleared.body.profilePhotoUrl).toBeNull();
  });

  it("stores a photo URL normalized, so no quote or angle bracket can break out of an attribute", async () => {
    const response = await api().call("PUT", "/profile", {
      caller: users.carol,
      body: { profilePhotoUrl: `https://Photos.Example.org/x" onerror="alert(1)'<b>.jpg` },
    });
    expect(response.status).toBe(200);
    expect(response.body.profilePhotoUrl).toBe(
      "https://photos.example.org/x%22%20onerror=%22alert(1)%27%3Cb%3E.jpg",
    );
  });

  it("accepts the longest allowed values", async () => {
    const response = await api().call("PUT", "/profile", {
      caller: users.carol,
      body: { displayName: "d".repeat(100), bio: "b".repeat(500), profilePhotoUrl: null },
    });
    expect(response.status).toBe(200);
    expect(response.body.displayName).toHaveLength(100);
  });

  it.each(XSS_PAYLOADS)("reduces %s in names and bios to plain text", async (payload) => {
    const response = await api().call("PUT", "/profile", {
      caller: users.carol,
      body: { displayName: `Hi ${payload}`, bio: `Hi ${payload}` },
    });
    expect(response.status).toBe(200);
    expect(response.body.displayName).toMatch(/^Hi/);
    expect(looksLikeMarkup(response.body.displayName)).toBe(false);
    expect(looksLikeMarkup(response.body.bio)).toBe(false);
  });
});

describe("GET /profile/{userId}", () => {
  it("shows others the public fields only, and the owner and admins everything", async () => {
    const { call } = api();
    await saveProfile(call, users.bob);
    const asOther = await getProfile(users.bob.userId, users.alice);
    expect(asOther.status).toBe(200);
    expect(Object.keys(asOther.body).sort()).toEqual(PUBLIC_FIELDS);
    for (const caller of [users.bob, users.admin]) {
      const full = await getProfile(users.bob.userId, caller);
      expect(full.status).toBe(200);
      expect(full.body.email).toBe(users.bob.email);
      expect(full.body.notificationPreferences).toEqual({
        comments: true,
        reactions: true,
        messages: true,
        replies: true,
        mentions: true,
      });
    }
  });

  it("tells the owner alone that their address is suppressed, until their email changes", async () => {
    const { call, db } = api();
    await saveProfile(call, users.carol);
    expect((await getProfile(users.carol.userId, users.carol)).body.emailStatus).toBe("active");
    await db.repositories.profiles.suppressEmail(
      users.carol.email.toLowerCase(),
      "bounce",
      new Date().toISOString(),
    );
    expect((await getProfile(users.carol.userId, users.carol)).body.emailStatus).toBe("suppressed");
    // Admins see the private fields, but the email status is the owner's to see.
    const asAdmin = await getProfile(users.carol.userId, users.admin);
    expect(asAdmin.body.email).toBe(users.carol.email);
    expect(asAdmin.body).not.toHaveProperty("emailStatus");
    expect(await getProfile(users.carol.userId, users.alice)).not.toHaveProperty("body.emailStatus");
    // A new address in the token (changed in Cognito) is saved with the profile and is emailable.
    const moved = await call("PUT", "/profile", {
      caller: { ...users.carol, email: "carol.new@example.org" },
      body: { bio: "New address" },
    });
    expect(moved.body).toMatchObject({ email: "carol.new@example.org", emailStatus: "active" });
  });

  it("hides a private profile from other members (403) but not from its owner or admins", async () => {
    const { call } = api();
    const owner = { ...users.carol, userId: "user-private" };
    await saveProfile(call, owner, { isProfilePrivate: true });
    expect((await getProfile(owner.userId, users.alice)).status).toBe(403);
    expect((await getProfile(owner.userId, owner)).status).toBe(200);
    expect((await getProfile(owner.userId, users.admin)).status).toBe(200);
  });

  it("answers 404 for a user without a profile", async () => {
    const response = await getProfile("user-nobody");
    expect(response.status).toBe(404);
    expect(response.body.error.code).toBe("NOT_FOUND");
  });

  it("decodes the user id once", async () => {
    const { call } = api();
    const odd = { ...users.carol, userId: "google_1234|äöü/x" };
    await saveProfile(call, odd);
    const response = await getProfile(odd.userId);
    expect(response.status).toBe(200);
    expect(response.body.userId).toBe(odd.userId);
  });
});

describe("GET /profile/{userId}/comments", () => {
  const author = { ...users.bob, userId: "user-prolific" };

  it("lists the user's comments newest first, page by page, without deleted ones", async () => {
    const { call } = api();
    await saveProfile(call, author);
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const response = await call("POST", "/comments/{itemId}", {
        caller: author,
        pathParameters: { itemId: `/letters/${i}` },
        body: { commentText: `comment ${i}` },
      });
      ids.push(response.body.commentId);
    }
    await call("DELETE", "/comments/{itemId}/{commentId}", {
      caller: author,
      pathParameters: { itemId: "/letters/2", commentId: ids[2]! },
    });
    const first = await call("GET", "/profile/{userId}/comments", {
      pathParameters: { userId: author.userId },
      query: { limit: "3" },
    });
    expect(first.status).toBe(200);
    expect(first.body.comments.map((c: { commentText: string }) => c.commentText)).toEqual([
      "comment 4",
      "comment 3",
      "comment 1",
    ]);
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const second = await call("GET", "/profile/{userId}/comments", {
      pathParameters: { userId: author.userId },
      query: { limit: "3", cursor: first.body.nextCursor },
    });
    expect(second.body).toEqual({
      comments: [expect.objectContaining({ commentText: "comment 0" })],
      nextCursor: null,
    });
  });

  it("follows the privacy rule of the profile", async () => {
    const { call } = api();
    const hidden = { ...users.carol, userId: "user-hidden" };
    await saveProfile(call, hidden, { isProfilePrivate: true });
    const list = (caller: TestUser) =>
      call("GET", "/profile/{userId}/comments", { caller, pathParameters: { userId: hidden.userId } });
    expect((await list(users.alice)).status).toBe(403);
    expect((await list(hidden)).status).toBe(200);
    expect((await list(users.admin)).status).toBe(200);
  });

  it("answers 404 for a user without a profile", async () => {
    const response = await api().call("GET", "/profile/{userId}/comments", {
      pathParameters: { userId: "user-nobody" },
    });
    expect(response.status).toBe(404);
  });
});

describe("GET /members", () => {
  // Another file's tables: this describe's members are the only ones with this prefix.
  const member = (id: string, name?: string): TestUser => ({
    userId: `user-dir-${id}`,
    email: `${id}@example.org`,
    groups: ["ApprovedUsers"],
    ...(name ? { name } : {}),
  });
  const listMembers = (query: Record<string, string> = {}, caller: TestUser = users.alice) =>
    api().call("GET", "/members", { caller, query });
  const ours = <T extends { userId: string }>(members: T[]) =>
    members.filter((m) => m.userId.startsWith("user-dir-"));

  it("lists members by name regardless of case, with name and photo only, private ones included", async () => {
    const { call, db } = api();
    await saveProfile(call, member("zoe"), { displayName: "zoe" });
    await saveProfile(call, member("adam"), {
      displayName: "Adam",
      profilePhotoUrl: "https://photos.example.org/adam.jpg",
    });
    await saveProfile(call, member("beth"), { displayName: "beth", isProfilePrivate: true, bio: "hidden" });
    // Signed in once but not a member (no group): has a profile, is not listed.
    await db.repositories.profiles.ensureOnSignIn("user-dir-outsider", {
      displayName: "Aaron",
      isMember: false,
    });

    const response = await listMembers({ limit: "100" });
    expect(response.status).toBe(200);
    expect(ours(response.body.members)).toEqual([
      {
        userId: "user-dir-adam",
        displayName: "Adam",
        profilePhotoUrl: "https://photos.example.org/adam.jpg",
      },
      { userId: "user-dir-beth", displayName: "beth", profilePhotoUrl: null },
      { userId: "user-dir-zoe", displayName: "zoe", profilePhotoUrl: null },
    ]);
    expect(response.body.nextCursor).toBeNull();
  });

  it("lists a member who never saved a profile under their token's name, and follows renames", async () => {
    const { call } = api();
    const quiet = member("quiet", "Quentin");
    // The first PUT /profile of a member who only changes their bio.
    await call("PUT", "/profile", { caller: quiet, body: { bio: "Hello" } });
    const names = async () =>
      ours<{ userId: string; displayName: string }>((await listMembers({ limit: "100" })).body.members).map(
        (m) => m.displayName,
      );
    expect(await names()).toContain("Quentin");
    await call("PUT", "/profile", { caller: quiet, body: { displayName: "Aardvark" } });
    const after = await names();
    expect(after[0]).toBe("Aardvark");
    expect(after).not.toContain("Quentin");
  });

  it("pages with a cursor and refuses a bad limit or a cursor of another list with 400", async () => {
    const { call } = api();
    for (const id of ["p1", "p2", "p3"]) await saveProfile(call, member(id), { displayName: `Pager ${id}` });
    const first = await listMembers({ limit: "2" });
    expect(first.body.members).toHaveLength(2);
    const second = await listMembers({ limit: "2", cursor: first.body.nextCursor });
    expect(second.status).toBe(200);
    expect(second.body.members[0].userId).not.toBe(first.body.members[1].userId);

    expect((await listMembers({ limit: "0" })).status).toBe(400);
    expect((await listMembers({ limit: "x" })).status).toBe(400);
    expect((await listMembers({ cursor: "tampered" })).status).toBe(400);
    for (const text of ["one", "two"]) {
      await call("POST", "/comments/{itemId}", {
        pathParameters: { itemId: "/dir-cursor" },
        body: { commentText: text },
      });
    }
    const commentsPage = await call("GET", "/comments/{itemId}", {
      pathParameters: { itemId: "/dir-cursor" },
      query: { limit: "1" },
    });
    expect(commentsPage.body.nextCursor).toEqual(expect.any(String));
    expect((await listMembers({ cursor: commentsPage.body.nextCursor })).status).toBe(400);
  });
});

// Profile photos uploaded through the API and served as presigned GETs.
describe("POST /profile/photo and profilePhotoKey", () => {
  const requestPhoto = (body: unknown, caller: TestUser = users.bob) =>
    api().call("POST", "/profile/photo", { caller, body });

  it("issues a presigned PUT under the caller's own photo prefix, for exactly that type and size, tagged pending", async () => {
    const response = await requestPhoto({ contentType: "image/webp", size: 5 * 1024 * 1024 });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      uploadUrl: expect.any(String),
      uploadHeaders: { "Content-Type": "image/webp", "x-amz-tagging": "hearth-upload=pending" },
      photoKey: expect.any(String),
      expiresIn: 900,
    });
    expect(response.body.photoKey).toMatch(/^profile-photos\/user-bob\/[0-9A-Z]{26}\.webp$/);
    const url = new URL(response.body.uploadUrl);
    expect(decodeURIComponent(url.pathname)).toBe(`/hearth-test-attachments/${response.body.photoKey}`);
    expect(url.searchParams.get("X-Amz-Expires")).toBe("900");
    expect(url.searchParams.get("X-Amz-SignedHeaders")?.split(";")).toEqual(
      expect.arrayContaining(["content-type", "content-length", "host", "x-amz-tagging"]),
    );
  });

  it.each([
    ["a GIF", { contentType: "image/gif", size: 10 }, 400],
    ["an SVG", { contentType: "image/svg+xml", size: 10 }, 400],
    ["an empty file", { contentType: "image/png", size: 0 }, 400],
    ["an unknown field", { contentType: "image/png", size: 10, key: "profile-photos/x" }, 400],
    ["a photo over 5 MB", { contentType: "image/jpeg", size: 5 * 1024 * 1024 + 1 }, 413],
  ])("refuses %s", async (_, body, status) => {
    const response = await requestPhoto(body);
    expect(response.status).toBe(status);
    expect(response.body.error.code).toBeTypeOf("string");
  });

  it("serves an uploaded photo as a presigned GET in the profile and on the owner's comments", async () => {
    const { call } = api();
    const issued = await requestPhoto({ contentType: "image/jpeg", size: 1000 });
    const saved = await saveProfile(call, users.bob, { profilePhotoKey: issued.body.photoKey });
    const served = [saved.profilePhotoUrl, (await getProfile(users.bob.userId)).body.profilePhotoUrl];
    const comment = await call("POST", "/comments/{itemId}", {
      caller: users.bob,
      pathParameters: { itemId: "/1950/wedding" },
      body: { commentText: "That's me" },
    });
    const listed = await call("GET", "/comments/{itemId}", { pathParameters: { itemId: "/1950/wedding" } });
    served.push(comment.body.userPhotoUrl, listed.body.comments[0].userPhotoUrl);
    for (const value of served) {
      const url = new URL(value);
      expect(decodeURIComponent(url.pathname)).toBe(`/hearth-test-attachments/${issued.body.photoKey}`);
      expect(url.searchParams.get("X-Amz-Signature")).toMatch(/^[0-9a-f]{64}$/);
      expect(Number(url.searchParams.get("X-Amz-Expires"))).toBeGreaterThanOrEqual(900);
    }
    // An external URL is served as it is.
    const external = await saveProfile(call, users.bob, {
      profilePhotoUrl: "https://photos.example.org/b.jpg",
    });
    expect(external.profilePhotoUrl).toBe("https://photos.example.org/b.jpg");
  });

  it.each([
    ["someone else's key", (key: string) => ({ profilePhotoKey: key.replace("user-bob", "user-alice") })],
    [
      "a key outside the photo prefix",
      () => ({ profilePhotoKey: "attachments/user-bob/01JZZZZZZZZZZZZZZZZZZZZZZZ/a.jpg" }),
    ],
    [
      "a key this endpoint did not issue",
      () => ({ profilePhotoKey: "profile-photos/user-bob/../secret.jpg" }),
    ],
    [
      "a key and a URL",
      (key: string) => ({ profilePhotoKey: key, profilePhotoUrl: "https://photos.example.org/b.jpg" }),
    ],
    ["a key that is not a string", () => ({ profilePhotoKey: 42 })],
  ])("refuses %s with 400 and changes nothing", async (_, bodyFor) => {
    const issued = await requestPhoto({ contentType: "image/png", size: 1000 });
    const before = (await getProfile(users.bob.userId, users.bob)).body;
    const response = await api().call("PUT", "/profile", {
      caller: users.bob,
      body: bodyFor(issued.body.photoKey),
    });
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe("INVALID_INPUT");
    expect(response.raw.body).not.toContain("profile-photos/");
    const after = (await getProfile(users.bob.userId, users.bob)).body;
    expect(after.updatedAt).toBe(before.updatedAt);
  });
});
