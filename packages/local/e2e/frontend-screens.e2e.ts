import { beforeAll, describe, expect, inject, it } from "vitest";
import { readOutputs } from "../src/outputs.js";
import { Outside, type User } from "./client.js";

/**
 * What a frontend's screens need, driven only from outside: profiles that exist
 * from the first sign-in, the member directory, the like button's state and who liked.
 */
const outside = new Outside(readOutputs(inject("outputsFile")));
let rose: User;
let sam: User;
let alice: User;
let stranger: User;
const roseName = `Rose ${outside.runId}`;
const itemPath = `/comments/${encodeURIComponent(`/e2e/${outside.runId}/screens`)}`;

interface Member {
  userId: string;
  displayName: string;
  profilePhotoUrl: string | null;
}

/** Every page of the directory, as `caller` sees it. */
async function wholeDirectory(caller: User): Promise<Member[]> {
  const members: Member[] = [];
  let cursor: string | null = null;
  do {
    const query: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : "";
    const page = await outside.call<{ members: Member[]; nextCursor: string | null }>(
      "GET",
      `/members?limit=50${query}`,
      { as: caller },
    );
    expect(page.status).toBe(200);
    members.push(...page.body.members);
    cursor = page.body.nextCursor;
  } while (cursor);
  return members;
}

beforeAll(async () => {
  [rose, sam, alice, stranger] = await Promise.all([
    // Invited by an admin: a temporary password and the new-password step at the first sign-in.
    outside.adminInvites("Rose", ["ApprovedUsers"], { name: roseName }),
    outside.signUp("Sam", ["ApprovedUsers"]),
    outside.signUp("Alice", ["Admins"]),
    outside.signUp("Stranger", []),
  ]);
});

describe("frontend screens", () => {
  it("gives everyone who signed in a profile without PUT /profile: the pool's name, else the email's", async () => {
    const roseProfile = await outside.call("GET", `/profile/${rose.userId}`, { as: sam });
    expect(roseProfile.status).toBe(200);
    expect(roseProfile.body).toMatchObject({ userId: rose.userId, displayName: roseName });
    const samProfile = await outside.call("GET", `/profile/${sam.userId}`, { as: rose });
    expect(samProfile.body).toMatchObject({ displayName: sam.email.split("@")[0] });
  });

  it("lets a member message someone who never saved a profile", async () => {
    const started = await outside.call<{ conversationId: string }>("POST", "/messages/conversations", {
      as: alice,
      body: { participantIds: [sam.userId], messageText: "Welcome, Sam!" },
    });
    expect(started.status).toBe(201);
  });

  it("lists members in the directory by name, case-insensitively, and nobody else", async () => {
    const members = await wholeDirectory(sam);
    const ids = members.map((member) => member.userId);
    expect(ids).toEqual(expect.arrayContaining([rose.userId, sam.userId, alice.userId]));
    expect(ids).not.toContain(stranger.userId);
    expect(members.find((member) => member.userId === rose.userId)).toEqual({
      userId: rose.userId,
      displayName: roseName,
      profilePhotoUrl: null,
    });
    const names = members.map((member) => member.displayName.toLowerCase());
    expect(names).toEqual([...names].sort());

    // A private profile is still listed, with its name and photo only.
    const photo = await outside.call<{ photoKey: string }>("POST", "/profile/photo", {
      as: rose,
      body: { contentType: "image/jpeg", size: 1000 },
    });
    expect(photo.status).toBe(200);
    await outside.call("PUT", "/profile", {
      as: rose,
      body: { isProfilePrivate: true, profilePhotoKey: photo.body.photoKey },
    });
    const again = await wholeDirectory(sam);
    expect(again.find((member) => member.userId === rose.userId)).toEqual({
      userId: rose.userId,
      displayName: roseName,
      profilePhotoUrl: expect.stringContaining(photo.body.photoKey),
    });
    await outside.call("PUT", "/profile", { as: rose, body: { isProfilePrivate: false } });
  });

  it("keeps the directory to members: outsiders 403, a bad page request 400", async () => {
    expect((await outside.call("GET", "/members", { as: stranger })).status).toBe(403);
    expect((await outside.call("GET", "/members")).status).toBe(401);
    expect((await outside.call("GET", "/members?limit=0", { as: sam })).status).toBe(400);
    expect((await outside.call("GET", "/members?cursor=not-a-cursor", { as: sam })).status).toBe(400);
  });

  it("likes a comment right after it was written, and shows each viewer their own like state", async () => {
    const posted = await outside.call<{ commentId: string; viewerHasReacted: boolean }>("POST", itemPath, {
      as: rose,
      body: { commentText: "Found the 1952 letters!" },
    });
    expect(posted.status).toBe(201);
    expect(posted.body.viewerHasReacted).toBe(false);
    const { commentId } = posted.body;
    // No waiting: the like finds the comment the moment it exists.
    const liked = await outside.call("POST", `/reactions/${commentId}`, { as: sam });
    expect({ status: liked.status, body: liked.body }).toEqual({
      status: 200,
      body: {
        liked: true,
        viewerReaction: "like",
        reactionCount: 1,
        reactionCounts: { like: 1, love: 0, laugh: 0, wow: 0, sad: 0 },
      },
    });

    type CommentList = {
      comments: { commentId: string; viewerHasReacted: boolean; reactionCount: number }[];
    };
    const asSam = await outside.call<CommentList>("GET", itemPath, { as: sam });
    const asRose = await outside.call<CommentList>("GET", itemPath, { as: rose });
    expect(asSam.body.comments.find((c) => c.commentId === commentId)).toMatchObject({
      viewerHasReacted: true,
      reactionCount: 1,
    });
    expect(asRose.body.comments.find((c) => c.commentId === commentId)?.viewerHasReacted).toBe(false);
    const history = await outside.call<CommentList>("GET", `/profile/${rose.userId}/comments`, { as: sam });
    expect(history.body.comments.find((c) => c.commentId === commentId)?.viewerHasReacted).toBe(true);

    const who = await outside.call("GET", `/reactions/${commentId}`, { as: rose });
    expect(who.status).toBe(200);
    expect(who.body).toEqual({
      reactions: [
        {
          userId: sam.userId,
          displayName: sam.email.split("@")[0],
          profilePhotoUrl: null,
          createdAt: expect.any(String),
          kind: "like",
        },
      ],
      nextCursor: null,
    });
  });

  it("answers 404 for reactions of a missing comment and 403 to outsiders", async () => {
    const missing = "01JZZZZZZZZZZZZZZZZZZZZZZZ";
    expect((await outside.call("GET", `/reactions/${missing}`, { as: sam })).status).toBe(404);
    expect((await outside.call("POST", `/reactions/${missing}`, { as: sam })).status).toBe(404);
    expect((await outside.call("GET", `/reactions/${missing}`, { as: stranger })).status).toBe(403);
  });
});
