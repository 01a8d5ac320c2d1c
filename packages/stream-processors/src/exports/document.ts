import {
  type Comment,
  type ConversationMember,
  EXPORT_SCHEMA_VERSION,
  type Job,
  type JobProgress,
  type JobsRepository,
  type MemberDataReader,
  type Message,
  type ProfileReader,
  type Reaction,
  reactionCountsOf,
  reactionKindOf,
} from "@hearth/domain";

/** The kinds of data an export counts (its job's `progress`), in the order the document holds them. */
export const EXPORT_SECTIONS = ["comments", "reactions", "conversations", "messages", "jobs"] as const;
export type ExportSection = (typeof EXPORT_SECTIONS)[number];
export type ExportCounts = Record<ExportSection, number>;

export interface ExportSources {
  repositories: { profiles: ProfileReader; memberData: MemberDataReader; jobs: JobsRepository };
}

function exportedComment(comment: Comment) {
  return {
    commentId: comment.commentId,
    itemId: comment.itemId,
    itemTitle: comment.itemTitle ?? null,
    commentText: comment.commentText,
    createdAt: comment.createdAt,
    updatedAt: comment.updatedAt,
    isEdited: comment.isEdited,
    editHistory: comment.editHistory ?? [],
    // Whom it mentions, by user id (names change; the ids are what the comment holds).
    mentions: comment.mentions ?? [],
    reactionCount: comment.reactionCount,
    reactionCounts: reactionCountsOf(comment),
    // A reply names the comment it answers and its thread's top comment; a top comment neither.
    replyTo: comment.replyTo ?? null,
    threadId: comment.threadId ?? null,
    deleted: comment.deletedAt !== undefined,
    ...(comment.deletedAt ? { deletedAt: comment.deletedAt } : {}),
  };
}

function exportedReaction(reaction: Reaction) {
  return {
    commentId: reaction.commentId,
    itemId: reaction.itemId,
    commentAuthorId: reaction.commentAuthorId,
    kind: reactionKindOf(reaction),
    createdAt: reaction.createdAt,
  };
}

function exportedMessage(message: Message) {
  return {
    messageId: message.messageId,
    senderId: message.senderId,
    senderName: message.senderName,
    messageText: message.messageText,
    mentions: message.mentions ?? [],
    createdAt: message.createdAt,
    // Metadata only: the files themselves stay in their conversation.
    attachments: (message.attachments ?? []).map(({ filename, contentType, size }) => ({
      filename,
      contentType,
      size,
    })),
    ...(message.deleted
      ? { deleted: true, ...(message.deletedAt ? { deletedAt: message.deletedAt } : {}) }
      : {}),
  };
}

function exportedConversation(member: ConversationMember) {
  return {
    conversationId: member.conversationId,
    conversationType: member.conversationType,
    title: member.title ?? null,
    participantIds: member.participantIds,
    createdAt: member.createdAt,
    ...(member.hiddenAt ? { hiddenAt: member.hiddenAt } : {}),
  };
}

function exportedJob(job: Job) {
  const { checkpoint: _checkpoint, ...rest } = job;
  return rest;
}

/** `"name":[` + the items as JSON, comma-separated across pages. */
class JsonArrayWriter {
  private first = true;
  piece(items: readonly unknown[]): string {
    let text = "";
    for (const item of items) {
      text += `${this.first ? "" : ","}${JSON.stringify(item)}`;
      this.first = false;
    }
    return text;
  }
}

/** Where the export stands after each page: the counts so far and the section being written. */
export type ExportPageListener = (counts: ExportCounts, section: ExportSection) => Promise<void>;

/**
 * The export document as a stream of JSON text pieces, one Query page at a time (so no more
 * than a page is in memory): the profile, every comment the member wrote (soft-deleted ones
 * marked), their reactions, every conversation they are in with all its messages (everyone's)
 * and attachment metadata, and their jobs, then the counts. `onPage` hears after every page.
 */
export async function* exportDocument(
  sources: ExportSources,
  job: Pick<Job, "userId" | "jobId">,
  exportedAt: Date,
  onPage: ExportPageListener,
): AsyncGenerator<string> {
  const { profiles, memberData, jobs } = sources.repositories;
  const counts: ExportCounts = { comments: 0, reactions: 0, conversations: 0, messages: 0, jobs: 0 };
  const profile = await profiles.get(job.userId);
  yield `{"schemaVersion":${EXPORT_SCHEMA_VERSION},"exportedAt":${JSON.stringify(exportedAt.toISOString())},` +
    `"userId":${JSON.stringify(job.userId)},"jobId":${JSON.stringify(job.jobId)},"profile":${JSON.stringify(profile)}`;

  /** The items of one array of the document, page by page, counted under `name`. */
  async function* section<T>(
    name: "comments" | "reactions" | "messages",
    pages: AsyncGenerator<T[]>,
    shape: (item: T) => unknown,
  ): AsyncGenerator<string> {
    const items = new JsonArrayWriter();
    for await (const page of pages) {
      yield items.piece(page.map(shape));
      counts[name] += page.length;
      await onPage(counts, name);
    }
  }

  yield `,"comments":[`;
  yield* section("comments", memberData.commentPages(job.userId), exportedComment);
  yield `],"reactions":[`;
  yield* section("reactions", memberData.reactionPages(job.userId), exportedReaction);

  yield `],"conversations":[`;
  let firstConversation = true;
  for await (const page of memberData.conversationPages(job.userId)) {
    for (const member of page) {
      const opening = JSON.stringify(exportedConversation(member)).slice(0, -1);
      yield `${firstConversation ? "" : ","}${opening},"messages":[`;
      firstConversation = false;
      yield* section("messages", memberData.messagePages(member.conversationId), exportedMessage);
      yield "]}";
      counts.conversations += 1;
    }
    await onPage(counts, "conversations");
  }

  yield `],"jobs":[`;
  const jobList = new JsonArrayWriter();
  let cursor: string | null = null;
  do {
    const page = await jobs.listForUser(job.userId, { limit: 100, cursor });
    yield jobList.piece(page.items.map(exportedJob));
    counts.jobs += page.items.length;
    cursor = page.nextCursor;
  } while (cursor);
  await onPage(counts, "jobs");

  yield `],"counts":${JSON.stringify(counts)}}`;
}

export function progressOf(counts: ExportCounts): JobProgress {
  return { ...counts };
}
