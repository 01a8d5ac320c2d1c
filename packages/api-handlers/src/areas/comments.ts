import { LIMITS, sanitizeText } from "@hearth/domain";
import * as z from "zod";
import { type AreaRoutes, created, ok } from "../http/route-handler.js";
import { servedComments } from "../served.js";
import { authorName } from "./authors.js";

// Raw text may carry markup that sanitizing removes; the limits apply to the plain text.
const rawCommentText = z.string().max(LIMITS.commentText * 8);

const newCommentBody = z.strictObject({
  commentText: rawCommentText,
  itemTitle: z
    .string()
    .max(LIMITS.itemTitle * 4)
    .nullable()
    .optional(),
});

const editCommentBody = z.strictObject({ commentText: rawCommentText });

const commentText = (text: string) => sanitizeText(text, "commentText", { min: 1, max: LIMITS.commentText });

function deletionResult(comment: { itemId: string; commentId: string; deletedAt?: string | undefined }) {
  return {
    itemId: comment.itemId,
    commentId: comment.commentId,
    deleted: true,
    deletedAt: comment.deletedAt,
  };
}

export const commentRoutes: AreaRoutes<"comments"> = {
  "GET /comments/{itemId}": async (request, storage) => {
    const { repositories } = storage;
    const itemId = request.path("itemId");
    const result = await repositories.comments.listByItem(itemId, request.page());
    return ok({ comments: await servedComments(storage, result.items), nextCursor: result.nextCursor });
  },

  "POST /comments/{itemId}": async (request, storage) => {
    const { repositories } = storage;
    const itemId = request.path("itemId");
    const body = request.body(newCommentBody);
    const text = commentText(body.commentText);
    const itemTitle = body.itemTitle
      ? sanitizeText(body.itemTitle, "itemTitle", { min: 0, max: LIMITS.itemTitle }) || null
      : null;
    const { caller } = request;
    const profile = await repositories.profiles.get(caller.userId);
    const comment = await repositories.comments.create({
      itemId,
      userId: caller.userId,
      userName: authorName(caller, profile),
      userPhotoUrl: profile?.profilePhotoUrl ?? null,
      commentText: text,
      itemTitle,
    });
    const [view] = await servedComments(storage, [comment]);
    return created(view);
  },

  "PUT /comments/{itemId}/{commentId}": async (request, storage) => {
    const { repositories } = storage;
    const itemId = request.path("itemId");
    const commentId = request.path("commentId");
    const text = commentText(request.body(editCommentBody).commentText);
    const comment = await repositories.comments.edit(itemId, commentId, request.caller, text);
    const [view] = await servedComments(storage, [comment]);
    return ok(view);
  },

  "DELETE /comments/{itemId}/{commentId}": async (request, { repositories }) => {
    const itemId = request.path("itemId");
    const commentId = request.path("commentId");
    const comment = await repositories.comments.softDelete(itemId, commentId, request.caller, {
      asAdmin: false,
    });
    return ok(deletionResult(comment));
  },

  "DELETE /admin/comments/{commentId}": async (request, { repositories }) => {
    const commentId = request.path("commentId");
    const comment = await repositories.comments.findActiveById(commentId);
    const deleted = await repositories.comments.softDelete(comment.itemId, commentId, request.caller, {
      asAdmin: true,
    });
    return ok(deletionResult(deleted));
  },
};
