import { describe, expect, it } from "vitest";
import { MAX_QUERY_ROUNDS_PER_PAGE } from "../src/dynamo/query.js";
import type { Comment } from "../src/entities.js";
import { ForbiddenError, InvalidInputError, NotFoundError } from "../src/errors.js";
import { admin, member, useTestDatabase } from "./helpers.js";

const db = useTestDatabase("comments");

const newComment = (itemId: string, userId: string, text: string) => ({
  itemId,
  userId,
  userName: userId.toUpperCase(),
  userPhotoUrl: null,
  commentText: text,
  itemTitle: "Christmas 2015",
});

describe("CommentsRepository", () => {
  it("pages through 250 comments 20 at a time, each exactly once, oldest first", async () => {
    const { comments } = db().repositories;
    const itemId = "/2015/christmas";
    const created: Comment[] = [];
    for (let i = 0; i < 250; i += 25) {
      // Sequential batches keep ULIDs (and so the expected order) strictly increasing.
      for (const c of await Promise.all(
        Array.from({ length: 25 }, (_, j) =>
          comments.create(newComment(itemId, `u${(i + j) % 7}`, `comment ${i + j}`)),
        ),
      )) {
        created.push(c);
      }
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page = await comments.listByItem(itemId, { limit: 20, cursor });
      expect(page.items.length).toBeLessThanOrEqual(20);
      seen.push(...page.items.map((c) => c.commentId));
      cursor = page.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(13);
    expect(seen).toHaveLength(250);
    expect(new Set(seen).size).toBe(250);
    expect(seen).toEqual(created.map((c) => c.commentId).sort());
  });

  it("rejects a cursor reused on another item or another list, and a bad limit", async () => {
    const { comments } = db().repositories;
    await comments.create(newComment("/a", "ann", "one"));
    await comments.create(newComment("/a", "ann", "two"));
    await comments.create(newComment("/b", "ann", "three"));
    const page = await comments.listByItem("/a", { limit: 1 });
    expect(page.nextCursor).toBeTruthy();
    await expect(comments.listByItem("/b", { limit: 1, cursor: page.nextCursor })).rejects.toBeInstanceOf(
      InvalidInputError,
    );
    await expect(comments.listByUser("ann", { limit: 1, cursor: page.nextCursor })).rejects.toBeInstanceOf(
      InvalidInputError,
    );
    await expect(
      comments.listByItem("/a", { limit: 1, cursor: `${page.nextCursor}x` }),
    ).rejects.toBeInstanceOf(InvalidInputError);
    await expect(comments.listByItem("/a", { limit: 0 })).rejects.toBeInstanceOf(InvalidInputError);
    await expect(comments.listByItem("/a", { limit: 101 })).rejects.toBeInstanceOf(InvalidInputError);
    const next = await comments.listByItem("/a", { limit: 1, cursor: page.nextCursor });
    expect(next.items.map((c) => c.commentText)).toEqual(["two"]);
    expect(next.nextCursor).toBeNull();
  });

  it("lists a user's comments newest first and finds a comment by id", async () => {
    const { comments } = db().repositories;
    const first = await comments.create(newComment("/x", "zoe", "first"));
    const second = await comments.create(newComment("/y", "zoe", "second"));
    const page = await comments.listByUser("zoe", { limit: 10 });
    expect(page.items.map((c) => c.commentId)).toEqual([second.commentId, first.commentId]);
    expect(await comments.findById(first.commentId)).toEqual(first);
    expect(await comments.findById("01NOPE")).toBeNull();
  });

  it("edits own comments only, keeping the last five versions", async () => {
    const { comments } = db().repositories;
    const comment = await comments.create(newComment("/edit", "ann", "v0"));
    await expect(comments.edit("/edit", comment.commentId, member("bob"), "hijack")).rejects.toBeInstanceOf(
      ForbiddenError,
    );
    await expect(comments.edit("/edit", comment.commentId, admin("boss"), "hijack")).rejects.toBeInstanceOf(
      ForbiddenError,
    );
    let edited = comment;
    for (let i = 1; i <= 7; i++)
      edited = await comments.edit("/edit", comment.commentId, member("ann"), `v${i}`);
    expect(edited.commentText).toBe("v7");
    expect(edited.isEdited).toBe(true);
    expect(edited.editHistory.map((h) => h.text)).toEqual(["v2", "v3", "v4", "v5", "v6"]);
    await expect(comments.edit("/edit", "01MISSING", member("ann"), "x")).rejects.toBeInstanceOf(
      NotFoundError,
    );
  });

  it("loses no history under concurrent edits", async () => {
    const { comments } = db().repositories;
    const comment = await comments.create(newComment("/race", "ann", "v0"));
    await Promise.all(
      ["a", "b", "c"].map((text) => comments.edit("/race", comment.commentId, member("ann"), text)),
    );
    const final = await comments.get("/race", comment.commentId);
    expect(final?.editHistory).toHaveLength(3);
    const texts = [...(final?.editHistory.map((h) => h.text) ?? []), final?.commentText];
    expect(texts.sort()).toEqual(["a", "b", "c", "v0"]);
  });

  it("soft-deletes: owner or admin only, then gone from lists and from edits", async () => {
    const { comments } = db().repositories;
    const keep = await comments.create(newComment("/del", "ann", "keep"));
    const gone = await comments.create(newComment("/del", "ann", "gone"));
    const moderated = await comments.create(newComment("/del", "bob", "rude"));
    await expect(
      comments.softDelete("/del", gone.commentId, member("bob"), { asAdmin: false }),
    ).rejects.toBeInstanceOf(ForbiddenError);
    await expect(
      comments.softDelete("/del", moderated.commentId, admin("boss"), { asAdmin: false }),
    ).rejects.toBeInstanceOf(ForbiddenError);
    const deleted = await comments.softDelete("/del", gone.commentId, member("ann"), { asAdmin: false });
    expect(deleted.deletedAt).toBeTruthy();
    await comments.softDelete("/del", moderated.commentId, admin("boss"), { asAdmin: true });
    await expect(
      comments.softDelete("/del", gone.commentId, member("ann"), { asAdmin: false }),
    ).rejects.toBeInstanceOf(NotFoundError);
    await expect(comments.edit("/del", gone.commentId, member("ann"), "back")).rejects.toBeInstanceOf(
      NotFoundError,
    );
    const page = await comments.listByItem("/del", { limit: 10 });
    expect(page.items.map((c) => c.commentId)).toEqual([keep.commentId]);
    expect((await comments.listByUser("bob", { limit: 10 })).items.map((c) => c.commentId)).not.toContain(
      moderated.commentId,
    );
    expect([...(await comments.commenterIds("/del"))]).toEqual(["ann"]);
    expect([...(await comments.commenterIds("/del", { before: keep.commentId }))]).toEqual([]);
    expect([...(await comments.commenterIds("/del", { before: moderated.commentId }))]).toEqual(["ann"]);
  });

  it("fills a page even when soft-deleted comments sit in it", async () => {
    const { comments } = db().repositories;
    const all: Comment[] = [];
    for (let i = 0; i < 12; i++) all.push(await comments.create(newComment("/holes", "ann", `c${i}`)));
    for (const c of all.filter((_, i) => i % 2 === 0)) {
      await comments.softDelete("/holes", c.commentId, member("ann"), { asAdmin: false });
    }
    const first = await comments.listByItem("/holes", { limit: 4 });
    expect(first.items.map((c) => c.commentText)).toEqual(["c1", "c3", "c5", "c7"]);
    const second = await comments.listByItem("/holes", { limit: 4, cursor: first.nextCursor });
    expect(second.items.map((c) => c.commentText)).toEqual(["c9", "c11"]);
    expect(second.nextCursor).toBeNull();
  });

  it("reads at most a few times per page past a long run of deleted comments, missing none", async () => {
    const { comments } = db().repositories;
    const { doc } = db();
    const all: Comment[] = [];
    for (let i = 0; i < 30; i++) all.push(await comments.create(newComment("/sparse", "ann", `s${i}`)));
    const live = new Set([0, 27, 29]);
    await Promise.all(
      all
        .filter((_, i) => !live.has(i))
        .map((c) => comments.softDelete("/sparse", c.commentId, member("ann"), { asAdmin: false })),
    );
    let queries = 0;
    doc.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === "QueryCommand") queries++;
        return next(args);
      },
      { step: "initialize", name: "countQueries" },
    );
    try {
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        queries = 0;
        const page = await comments.listByItem("/sparse", { limit: 2, cursor });
        expect(queries).toBeLessThanOrEqual(MAX_QUERY_ROUNDS_PER_PAGE);
        seen.push(...page.items.map((c) => c.commentText));
        cursor = page.nextCursor;
      } while (cursor);
      expect(seen).toEqual(["s0", "s27", "s29"]);
    } finally {
      doc.middlewareStack.remove("countQueries");
    }
  });
});
