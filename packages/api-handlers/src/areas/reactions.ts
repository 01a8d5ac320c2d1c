import { type AreaRoutes, ok } from "../http/route-handler.js";
import { reactionView } from "../views.js";

export const reactionRoutes: AreaRoutes<"reactions"> = {
  "POST /reactions/{commentId}": async (request, { repositories }) => {
    const result = await repositories.reactions.toggle(request.path("commentId"), request.caller.userId);
    return ok({ liked: result.liked, reactionCount: result.reactionCount });
  },

  "GET /reactions/{commentId}": async (request, { repositories }) => {
    const commentId = request.path("commentId");
    const page = request.page();
    // A missing or deleted comment is a 404, not an empty list.
    await repositories.comments.findActiveById(commentId);
    const result = await repositories.reactions.list(commentId, page);
    return ok({ reactions: result.items.map(reactionView), nextCursor: result.nextCursor });
  },
};
