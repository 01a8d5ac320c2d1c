import { firstFailureOf } from "@hearth/domain";
import type { CommentsRepository } from "@hearth/domain/repositories/comments";
import type { ProfilesRepository } from "@hearth/domain/repositories/profiles";
import type { ReactionsRepository } from "@hearth/domain/repositories/reactions";
import { servedReactions } from "@hearth/views/served";
import type { StorageDependencies } from "@hearth/views/storage-dependencies";
import { type AreaRoutes, ok } from "../area-routes.js";
import { reactionBody } from "../request-bodies.js";

/** What the reaction routes use: the reactions, the comment they are on, the reactors' profiles and photos. */
export interface ReactionsDependencies extends StorageDependencies {
  repositories: {
    reactions: ReactionsRepository;
    comments: CommentsRepository;
    profiles: ProfilesRepository;
  };
}

export const reactionRoutes: AreaRoutes<"reactions", ReactionsDependencies> = {
  "POST /reactions/{commentId}": async (request, { repositories }) => {
    const commentId = request.path("commentId");
    // No body (as clients sent before there were kinds) is a like.
    const kind = request.optionalBody(reactionBody)?.kind;
    const result = await repositories.reactions.toggle(commentId, request.caller.userId, kind);
    return ok({
      liked: result.liked,
      viewerReaction: result.reaction,
      reactionCount: result.reactionCount,
      reactionCounts: result.reactionCounts,
    });
  },

  "GET /reactions/{commentId}": async (request, storage) => {
    const { repositories } = storage;
    const commentId = request.path("commentId");
    const page = request.page();
    // The comment check and the page are independent: one round trip for both. A missing or
    // deleted comment is a 404 (not an empty list), and it wins over a bad cursor.
    const [, result] = await firstFailureOf([
      repositories.comments.locateActive(commentId),
      repositories.reactions.list(commentId, page),
    ]);
    const reactors = await repositories.profiles.getMany(result.items.map((reaction) => reaction.userId));
    return ok({
      reactions: await servedReactions(storage, result.items, reactors),
      nextCursor: result.nextCursor,
    });
  },
};
