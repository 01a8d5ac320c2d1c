import { PutCommand } from "@aws-sdk/lib-dynamodb";
import { describe, expect, it } from "vitest";
import type { Comment } from "../src/entities.js";
import { NotFoundError, StaleVersionError } from "../src/errors.js";
import { CONCURRENT_EDITS } from "../src/repositories/comments.js";
import { member, useTestDatabase } from "./helpers.js";

const db = useTestDatabase("comment-edits");

const ann = member("ann");

const create = (itemId: string, text = "v0") =>
  db().repositories.comments.create({
    itemId,
    userId: "ann",
    userName: "Ann",
    userPhotoUrl: null,
    commentText: text,
    itemTitle: null,
  });

/** The names of the commands the document client sends until `stop()`. */
function countCommands() {
  const names: string[] = [];
  const { doc } = db();
  doc.middlewareStack.add(
    (next, context) => async (args) => {
      names.push(String(context.commandName));
      return next(args);
    },
    { step: "initialize", name: "countCommands" },
  );
  return {
    stop() {
      doc.middlewareStack.remove("countCommands");
      return names;
    },
  };
}

/** Every edit that ran, in the order it landed (its version), checked to form one unbroken chain. */
function expectOneChainOfEdits(original: Comment, edits: Comment[]) {
  const inOrder = [...edits].sort((a, b) => (a.version ?? 0) - (b.version ?? 0));
  // Each edit landed exactly once, each on the version just before it.
  expect(inOrder.map((edit) => edit.version)).toEqual(edits.map((_, i) => i + 2));
  const texts = [original.commentText, ...inOrder.map((edit) => edit.commentText)];
  inOrder.forEach((edit, i) => {
    // The history an edit wrote is exactly the (at most five) versions before it, oldest first.
    expect(edit.editHistory.map((entry) => entry.text)).toEqual(texts.slice(Math.max(0, i + 1 - 5), i + 1));
    const times = edit.editHistory.map((entry) => entry.editedAt);
    expect([...times].sort()).toEqual(times);
  });
}

describe("concurrent edits of one comment", () => {
  it("all 20 succeed in some order, and the five-entry history stays exact", async () => {
    const { comments } = db().repositories;
    const original = await create("/race-20");
    const texts = Array.from({ length: 20 }, (_, i) => `edit ${i}`);
    const commands = countCommands();
    const edits = await Promise.all(
      texts.map((text) => comments.edit("/race-20", original.commentId, ann, text)),
    );
    // One read per edit: a lost race hands back the winner's version, so a retry only writes.
    expect(commands.stop().filter((name) => name === "GetItemCommand")).toHaveLength(20);
    expect(new Set(edits.map((edit) => edit.commentText))).toEqual(new Set(texts));
    expectOneChainOfEdits(original, edits);
    const stored = await comments.get("/race-20", original.commentId, true);
    const last = edits.find((edit) => edit.version === 21);
    expect(stored).toEqual(last);
    expect(stored?.editHistory).toHaveLength(5);
  });

  it(`still all succeed with ${CONCURRENT_EDITS} at once`, async () => {
    const { comments } = db().repositories;
    const original = await create("/race-max");
    const edits = await Promise.all(
      Array.from({ length: CONCURRENT_EDITS }, (_, i) =>
        comments.edit("/race-max", original.commentId, ann, `e${i}`),
      ),
    );
    expectOneChainOfEdits(original, edits);
  });
});

describe("editing with an expected version", () => {
  it("edits when the version matches and refuses a stale one, leaving the comment as it was", async () => {
    const { comments } = db().repositories;
    const original = await create("/if-match");
    expect(original.version).toBe(1);
    const first = await comments.edit("/if-match", original.commentId, ann, "v1", { expectedVersion: 1 });
    expect(first.version).toBe(2);
    await expect(
      comments.edit("/if-match", original.commentId, ann, "lost update", { expectedVersion: 1 }),
    ).rejects.toBeInstanceOf(StaleVersionError);
    expect(await comments.get("/if-match", original.commentId, true)).toEqual(first);
  });

  it("lets exactly one of many edits of the same version through", async () => {
    const { comments } = db().repositories;
    const original = await create("/if-match-race");
    const results = await Promise.allSettled(
      Array.from({ length: 10 }, (_, i) =>
        comments.edit("/if-match-race", original.commentId, ann, `e${i}`, { expectedVersion: 1 }),
      ),
    );
    const landed = results.filter((result) => result.status === "fulfilled");
    expect(landed).toHaveLength(1);
    for (const result of results) {
      if (result.status === "rejected") expect(result.reason).toBeInstanceOf(StaleVersionError);
    }
    const stored = await comments.get("/if-match-race", original.commentId, true);
    expect(stored?.version).toBe(2);
    expect(stored?.editHistory.map((entry) => entry.text)).toEqual(["v0"]);
  });

  it("treats a comment stored before versions existed as version 1", async () => {
    const { comments } = db().repositories;
    const { version: _, ...legacy } = await create("/legacy");
    await db().doc.send(new PutCommand({ TableName: db().tables.Comments, Item: legacy }));
    await expect(
      comments.edit("/legacy", legacy.commentId, ann, "x", { expectedVersion: 2 }),
    ).rejects.toBeInstanceOf(StaleVersionError);
    const edited = await comments.edit("/legacy", legacy.commentId, ann, "v1", { expectedVersion: 1 });
    expect(edited).toMatchObject({ version: 2, commentText: "v1", editHistory: [{ text: "v0" }] });
  });

  it("answers a deleted comment with NotFound, not a conflict", async () => {
    const { comments } = db().repositories;
    const original = await create("/deleted");
    await comments.softDelete("/deleted", original.commentId, ann, { asAdmin: false });
    await expect(
      comments.edit("/deleted", original.commentId, ann, "x", { expectedVersion: 1 }),
    ).rejects.toBeInstanceOf(NotFoundError);
  });
});
