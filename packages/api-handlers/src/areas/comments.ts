import {
  assertCommentMentions,
  type Comment,
  distinctMentions,
  firstFailureOf,
  InvalidInputError,
  isReply,
  LIMITS,
  NotFoundError,
  type Profile,
  sanitizeText,
} from "@hearth/domain";
import type { CommentsRepository } from "@hearth/domain/repositories/comments";
import type { ProfilesRepository } from "@hearth/domain/repositories/profiles";
import type { ReactionsRepository } from "@hearth/domain/repositories/reactions";
import { servedComments, servedThreads } from "@hearth/views/served";
import type { StorageDependencies } from "@hearth/views/storage-dependencies";
import { type AreaRoutes, created, ok } from "../area-routes.js";
import { ifMatchVersion } from "../http/request.js";
import { editCommentBody, newCommentBody } from "../request-bodies.js";
import { authorName } from "./authors.js";

const commentText = (text: string) => sanitizeText(text, "commentText", { min: 1, max: LIMITS.commentText });

/**
 * The profiles of whom a comment mentions, read beside the request's other first reads: they
 * both check the mentions (every one a current member: any member may read every item) and
 * name them in the answer. None read when nobody is mentioned.
 */
function mentionedProfiles(
  profiles: ProfilesRepository,
  mentions: readonly string[] | undefined,
): Promise<Map<string, Profile>> {
  return mentions?.length ? profiles.getMany(mentions) : Promise.resolve(new Map());
}

function deletionResult(comment: { itemId: string; commentId: string; deletedAt?: string | undefined }) {
  return {
    itemId: comment.itemId,
    commentId: comment.commentId,
    deleted: true as const,
    deletedAt: comment.deletedAt,
  };
}

/**
 * What the comment routes use: the comments, whether the viewer reacted to them, the author's
 * profile, and the signer of the authors' photos.
 */
export interface CommentsDependencies extends StorageDependencies {
  repositories: {
    comments: CommentsRepository;
    reactions: ReactionsRepository;
    profiles: ProfilesRepository;
  };
}

export const commentRoutes: AreaRoutes<"comments", CommentsDependencies> = {
  "GET /comments/{itemId}": async (request, storage) => {
    const { repositories } = storage;
    const itemId = request.path("itemId");
    const result = await repositories.comments.listByItem(itemId, request.page());
    const comments = await servedThreads(
      storage,
      { repositories, viewerId: request.caller.userId },
      result.items,
      { profiles: repositories.profiles },
    );
    return ok({ comments, nextCursor: result.nextCursor });
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
    const mentions = distinctMentions(body.mentions ?? []);
    // The author's profile, the mentioned members and the comment answered are independent: one round trip.
    const [profile, mentioned, reply] = await firstFailureOf([
      repositories.profiles.get(caller.userId),
      mentionedProfiles(repositories.profiles, mentions),
      body.replyTo === undefined ? undefined : repositories.comments.resolveReply(itemId, body.replyTo),
    ] as const);
    assertCommentMentions(mentions, mentioned);
    const comment = await repositories.comments.create({
      itemId,
      userId: caller.userId,
      userName: authorName(caller, profile),
      userPhotoUrl: profile?.profilePhotoUrl ?? null,
      commentText: text,
      itemTitle,
      mentions,
      ...(reply ? { reply } : {}),
    });
    // Nobody has reacted to a comment that did not exist a moment ago.
    const [view] = await servedComments(
      storage,
      { reactions: repositories.reactions, viewerId: request.caller.userId, reacted: new Map() },
      [comment],
      { profiles: repositories.profiles, known: mentioned },
    );
    return created(view!);
  },

  "GET /comments/{itemId}/{commentId}/replies": async (request, storage) => {
    const { repositories } = storage;
    const itemId = request.path("itemId");
    const commentId = request.path("commentId");
    const page = request.page();
    // The thread's top and its page are independent: one round trip for both. A thread stays
    // readable when its top comment is deleted; a missing top is a 404, a reply's id a 400.
    const [top, result] = await firstFailureOf([
      repositories.comments.get(itemId, commentId, true),
      repositories.comments.listReplies(commentId, page),
    ]);
    if (!top) throw new NotFoundError("Comment not found");
    if (isReply(top)) throw new InvalidInputError("commentId must be a top comment: page its threadId");
    const comments = await servedComments(
      storage,
      { reactions: repositories.reactions, viewerId: request.caller.userId },
      result.items,
      { profiles: repositories.profiles },
    );
    return ok({ comments, nextCursor: result.nextCursor });
  },

  "PUT /comments/{itemId}/{commentId}": async (request, storage) => {
    const { repositories } = storage;
    const itemId = request.path("itemId");
    const commentId = request.path("commentId");
    const expectedVersion = ifMatchVersion(request.header("if-match"));
    const body = request.body(editCommentBody);
    const text = commentText(body.commentText);
    const mentions = body.mentions === undefined ? undefined : distinctMentions(body.mentions);
    const { caller } = request;
    // New mentions are checked with profiles read beside the comment; without new ones, the
    // names of those it keeps are read beside the write. Either way two round trips.
    const checked = mentionedProfiles(repositories.profiles, mentions);
    let kept: Promise<Map<string, Profile>> | undefined;
    const beforeWrite = async (current: Comment) => {
      if (mentions) assertCommentMentions(mentions, await checked);
      else kept ??= mentionedProfiles(repositories.profiles, current.mentions);
    };
    // Whether the caller liked it does not depend on the edit: both in one round trip.
    const [comment, reacted] = await firstFailureOf([
      repositories.comments.edit(itemId, commentId, caller, text, {
        expectedVersion,
        beforeWrite,
        ...(mentions ? { mentions } : {}),
      }),
      repositories.reactions.reactedTo(caller.userId, [commentId]),
      checked,
    ]);
    const [view] = await servedComments(
      storage,
      { reactions: repositories.reactions, viewerId: caller.userId, reacted },
      [comment],
      { profiles: repositories.profiles, known: await (kept ?? checked) },
    );
    return ok(view!);
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
    const locator = await repositories.comments.locateActive(commentId);
    return ok(deletionResult(await repositories.comments.moderate(locator, request.caller)));
  },
};
