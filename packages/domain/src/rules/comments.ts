import { type Comment, type EditHistoryEntry, LIMITS } from "../entities.js";

/** The history after one more edit: previous versions in time order, only the last five kept. */
export function appendEditHistory(
  history: readonly EditHistoryEntry[],
  previousText: string,
  editedAt: string,
): EditHistoryEntry[] {
  return [...history, { text: previousText, editedAt }].slice(-LIMITS.editHistory);
}

/** A comment's version: what `If-Match` names. Comments from before versions existed count as 1. */
export function commentVersion(comment: Pick<Comment, "version">): number {
  return comment.version ?? 1;
}

/** Where a reply goes: the comment it answers, its thread (the top comment), and both authors. */
export interface ReplyPlacement {
  replyTo: string;
  threadId: string;
  replyToUserId: string;
  threadUserId: string;
}

/** How many replies a top comment shows in its item's list; the replies route pages the rest. */
export const FIRST_REPLIES = 3;

/**
 * Threads are two levels deep, as families read them: a reply to a top comment starts or
 * joins its thread; a reply to a reply joins the same thread and still names whom it answers.
 */
export function replyPlacement(
  answered: Pick<Comment, "commentId" | "userId" | "threadId" | "threadUserId">,
): ReplyPlacement {
  return {
    replyTo: answered.commentId,
    threadId: answered.threadId ?? answered.commentId,
    replyToUserId: answered.userId,
    // A reply carries its thread's author; a top comment is its own thread's.
    threadUserId: answered.threadUserId ?? answered.userId,
  };
}

/** A reply (in a thread), not a top comment; comments from before replies existed are top comments. */
export function isReply(comment: Pick<Comment, "threadId">): boolean {
  return comment.threadId !== undefined;
}
