import { describe, expect, it } from "vitest";
import type { Comment } from "../src/entities.js";
import { InvalidInputError, NotFoundError } from "../src/errors.js";
import { FIRST_REPLIES } from "../src/rules/comments.js";
import { admin, member, patientRepositories, useTestDatabase } from "./helpers.js";

const db = useTestDatabase("replies");

const newComment = (itemId: string, userId: string, text: string) => ({
  itemId,
  userId,
  userName: userId.toUpperCase(),
  userPhotoUrl: null,
  commentText: text,
  itemTitle: "Letters, 1962",
});

/** `userId` replies to `replyTo` on `itemId`, validated the way the API does. */
async function reply(itemId: string, replyTo: string, userId: string, text = `reply by ${userId}`) {
  const { comments } = db().repositories;
  const placement = await comments.resolveReply(itemId, replyTo);
  return comments.create({ ...newComment(itemId, userId, text), reply: placement });
}

async function replyCountOf(comment: Pick<Comment, "itemId" | "commentId">): Promise<number> {
  return (await db().repositories.comments.get(comment.itemId, comment.commentId, true))?.replyCount ?? 0;
}

async function allReplies(threadId: string): Promise<Comment[]> {
  const { comments } = db().repositories;
  const seen: Comment[] = [];
  let cursor: string | null = null;
  do {
    const page = await comments.listReplies(threadId, { limit: 7, cursor });
    seen.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return seen;
}

describe("Replies", () => {
  it("puts a reply in its top comment's thread, and a reply to a reply in the same thread", async () => {
    const { comments } = db().repositories;
    const itemId = "/1962/letter";
    const top = await comments.create(newComment(itemId, "ada", "Who wrote this?"));
    const ben = await reply(itemId, top.commentId, "ben");
    const cy = await reply(itemId, ben.commentId, "cy");
    expect(ben).toMatchObject({
      replyTo: top.commentId,
      threadId: top.commentId,
      replyToUserId: "ada",
      threadUserId: "ada",
    });
    // Two levels: Cy answers Ben, in Ada's thread.
    expect(cy).toMatchObject({
      replyTo: ben.commentId,
      threadId: top.commentId,
      replyToUserId: "ben",
      threadUserId: "ada",
    });
    expect(top.threadId).toBeUndefined();
    expect(await replyCountOf(top)).toBe(2);
    // The item lists its top comment only; the thread holds both replies, oldest first.
    const page = await comments.listByItem(itemId, { limit: 10 });
    expect(page.items.map((c) => c.commentId)).toEqual([top.commentId]);
    expect(page.items[0]?.replyCount).toBe(2);
    expect((await allReplies(top.commentId)).map((c) => c.commentId)).toEqual([ben.commentId, cy.commentId]);
    const first = await comments.firstReplies(page.items);
    expect(first.get(top.commentId)?.map((c) => c.commentId)).toEqual([ben.commentId, cy.commentId]);
    // A reply shows in its author's history with whom it answers.
    const history = await comments.listByUser("cy", { limit: 10 });
    expect(history.items[0]).toMatchObject({ commentId: cy.commentId, replyTo: ben.commentId });
  });

  it("refuses a reply to a comment on another item (400), a deleted one (400) and a missing one (404)", async () => {
    const { comments } = db().repositories;
    const elsewhere = await comments.create(newComment("/other", "ada", "On another item"));
    await expect(comments.resolveReply("/here", elsewhere.commentId)).rejects.toThrow(
      new InvalidInputError("replyTo must be a comment on the same item"),
    );
    const gone = await comments.create(newComment("/here", "ada", "Deleted soon"));
    await comments.softDelete("/here", gone.commentId, member("ada"), { asAdmin: false });
    await expect(comments.resolveReply("/here", gone.commentId)).rejects.toThrow(
      new InvalidInputError("replyTo is a deleted comment"),
    );
    await expect(comments.resolveReply("/here", "01NOSUCHCOMMENT")).rejects.toBeInstanceOf(NotFoundError);
  });

  it("refuses a reply whose comment was deleted between the check and the write, writing nothing", async () => {
    const { comments } = db().repositories;
    const itemId = "/race";
    const top = await comments.create(newComment(itemId, "ada", "Top"));
    const ben = await reply(itemId, top.commentId, "ben");
    for (const answered of [top, ben]) {
      const placement = await comments.resolveReply(itemId, answered.commentId);
      await comments.softDelete(itemId, answered.commentId, member(answered.userId), { asAdmin: false });
      await expect(
        comments.create({ ...newComment(itemId, "cy", "Too late"), reply: placement }),
      ).rejects.toThrow(new InvalidInputError("replyTo is a deleted comment"));
    }
    expect(await allReplies(top.commentId)).toEqual([]);
    expect(await replyCountOf(top)).toBe(0);
  });

  it("keeps replyCount exact when 100 members reply to one thread at once", async () => {
    const patient = patientRepositories(db());
    const { comments } = patient.repositories;
    const itemId = "/busy";
    const top = await comments.create(newComment(itemId, "ada", "Everyone, look"));
    const starter = await reply(itemId, top.commentId, "ben");
    // Half answer the top comment, half answer Ben's reply: one thread either way.
    const replies = await Promise.all(
      Array.from({ length: 100 }, async (_, i) => {
        const placement = await comments.resolveReply(
          itemId,
          i % 2 === 0 ? top.commentId : starter.commentId,
        );
        return comments.create({ ...newComment(itemId, `member-${i}`, `reply ${i}`), reply: placement });
      }),
    );
    expect(await replyCountOf(top)).toBe(101);
    expect(await allReplies(top.commentId)).toHaveLength(101);
    // And 40 of them deleted at once (by their authors and by an admin) take exactly 40 back.
    await Promise.all(
      replies
        .slice(0, 40)
        .map((r, i) =>
          i % 2 === 0
            ? comments.softDelete(itemId, r.commentId, member(r.userId), { asAdmin: false })
            : comments.locateActive(r.commentId).then((locator) => comments.moderate(locator, admin("root"))),
        ),
    );
    expect(await replyCountOf(top)).toBe(61);
    expect(await allReplies(top.commentId)).toHaveLength(61);
    patient.destroy();
  });

  it("keeps a thread readable when its top comment is deleted, and drops it from the item once no reply lives", async () => {
    const { comments } = db().repositories;
    const itemId = "/orphaned";
    const top = await comments.create(newComment(itemId, "ada", "Top"));
    const lonely = await comments.create(newComment(itemId, "ada", "No replies"));
    const ben = await reply(itemId, top.commentId, "ben");
    await comments.softDelete(itemId, top.commentId, member("ada"), { asAdmin: false });
    await comments.softDelete(itemId, lonely.commentId, member("ada"), { asAdmin: false });
    // Replies may still join the thread through a live reply.
    const cy = await reply(itemId, ben.commentId, "cy");
    const page = await comments.listByItem(itemId, { limit: 10 });
    expect(page.items.map((c) => [c.commentId, c.deletedAt !== undefined])).toEqual([[top.commentId, true]]);
    expect((await allReplies(top.commentId)).map((c) => c.commentId)).toEqual([ben.commentId, cy.commentId]);
    for (const r of [ben, cy])
      await comments.softDelete(itemId, r.commentId, member(r.userId), { asAdmin: false });
    expect((await comments.listByItem(itemId, { limit: 10 })).items).toEqual([]);
    expect(await replyCountOf(top)).toBe(0);
  });

  it("edits a reply like any comment, keeping its place in the thread", async () => {
    const { comments } = db().repositories;
    const itemId = "/edit-reply";
    const top = await comments.create(newComment(itemId, "ada", "Top"));
    const ben = await reply(itemId, top.commentId, "ben", "Frist");
    const edited = await comments.edit(itemId, ben.commentId, member("ben"), "First");
    expect(edited).toMatchObject({
      commentText: "First",
      replyTo: top.commentId,
      threadId: top.commentId,
      version: 2,
    });
    expect((await allReplies(top.commentId)).map((c) => c.commentText)).toEqual(["First"]);
  });

  it("shows each top comment's first three live replies, oldest first", async () => {
    const { comments } = db().repositories;
    const itemId = "/first-replies";
    const busy = await comments.create(newComment(itemId, "ada", "Busy"));
    const quiet = await comments.create(newComment(itemId, "ada", "Quiet"));
    const replies: Comment[] = [];
    for (let i = 0; i < 5; i++) replies.push(await reply(itemId, busy.commentId, `r${i}`));
    await comments.softDelete(itemId, replies[1]!.commentId, member("r1"), { asAdmin: false });
    const tops = (await comments.listByItem(itemId, { limit: 10 })).items;
    const first = await comments.firstReplies(tops);
    expect(first.get(busy.commentId)?.map((c) => c.commentId)).toEqual(
      [replies[0]!, replies[2]!, replies[3]!].map((c) => c.commentId),
    );
    expect(first.get(busy.commentId)).toHaveLength(FIRST_REPLIES);
    // A top comment without replies costs no Query.
    expect(first.has(quiet.commentId)).toBe(false);
  });

  it("erases a deleted member's replies, taking each live one back from its thread's count once", async () => {
    const { comments } = db().repositories;
    const itemId = "/erasure";
    const top = await comments.create(newComment(itemId, "ada", "Top"));
    const live = await reply(itemId, top.commentId, "leaver");
    const deleted = await reply(itemId, top.commentId, "leaver");
    const other = await reply(itemId, live.commentId, "stayer");
    await comments.softDelete(itemId, deleted.commentId, member("leaver"), { asAdmin: false });
    expect(await replyCountOf(top)).toBe(2);
    // A page listed before the deletion still says the reply was live: its erasure notices.
    const stale = { ...deleted, deletedAt: undefined };
    for (const comment of [live, stale]) expect(await comments.eraseByAuthor(comment)).toBe(true);
    for (const comment of [live, stale]) expect(await comments.eraseByAuthor(comment)).toBe(false);
    expect(await replyCountOf(top)).toBe(1);
    expect((await allReplies(top.commentId)).map((c) => c.commentId)).toEqual([other.commentId]);
    // The reply to the erased reply still names it.
    expect(other.replyTo).toBe(live.commentId);
  });
});
