import {
  type Comment,
  type ConversationMember,
  FORMER_MEMBER,
  firstFailureOf,
  type Message,
  type Profile,
  type Reaction,
  type ReactionKind,
  type Repositories,
  UNNAMED_MEMBER,
} from "@hearth/domain";
import type * as z from "zod";
import { presignDownload } from "./downloads.js";
import type { StorageDependencies } from "./storage-dependencies.js";
import {
  commentView,
  conversationView,
  type MentionNames,
  memberView,
  messageView,
  type ownProfileViewSchema,
  type ParticipantView,
  profileView,
  type profileViewSchema,
  reactionView,
} from "./views.js";

/**
 * Views with their URLs served: stored keys become presigned GETs (offline, no S3 call)
 * and participants get names, so a frontend needs no follow-up call to render them.
 */
type Storage = Pick<StorageDependencies, "objectUrls" | "photos">;

/** Reads the names of who is mentioned: the profiles repository, or names the caller already has. */
export interface MentionReader {
  profiles: Pick<Repositories["profiles"], "getMany">;
  /** Profiles already read (the mentions a request just checked): not read again. */
  known?: MentionNames;
}

/**
 * The current names of everyone `items` mention: one BatchGetItem of the profiles not known
 * yet (none when nobody else is mentioned), run beside the page's other second reads.
 */
export async function mentionNames(
  reader: MentionReader,
  items: readonly { mentions?: readonly string[] | undefined }[],
): Promise<MentionNames> {
  const known = reader.known ?? new Map();
  const wanted = [...new Set(items.flatMap((item) => item.mentions ?? []))].filter((id) => !known.has(id));
  if (wanted.length === 0) return known;
  const found = await reader.profiles.getMany(wanted);
  return new Map<string, Pick<Profile, "displayName">>([...known, ...found]);
}

/** Messages with a 15-minute download URL on every attachment and their mentions named. */
export async function servedMessages(
  storage: Storage,
  now: Date,
  messages: readonly Message[],
  mentions: MentionReader,
) {
  const names = await mentionNames(mentions, messages);
  return Promise.all(
    messages.map(async (message) => {
      const downloads = message.deleted
        ? []
        : await Promise.all(
            message.attachments.map((attachment) => presignDownload(storage.objectUrls, attachment, now)),
          );
      return messageView(message, downloads, names);
    }),
  );
}

/**
 * Participants' names and served photos from their profiles. A conversation is only ever
 * started with people who have a profile, so one without is someone whose account was deleted.
 */
export async function servedParticipants(
  storage: Storage,
  userIds: readonly string[],
  profiles: ReadonlyMap<string, Profile>,
): Promise<Map<string, ParticipantView>> {
  const entries = await Promise.all(
    [...new Set(userIds)].map(async (userId): Promise<[string, ParticipantView]> => {
      const profile = profiles.get(userId);
      return [
        userId,
        {
          userId,
          displayName: profile ? profile.displayName.trim() || UNNAMED_MEMBER : FORMER_MEMBER,
          profilePhotoUrl: await storage.photos.serve(profile?.profilePhotoUrl),
        },
      ];
    }),
  );
  return new Map(entries);
}

/**
 * Conversations with their participants' names and photos: the profiles of everyone on
 * the page are read in one BatchGetItem (chunked by the toolkit), never one call each.
 */
export async function servedConversations(
  storage: Storage,
  profiles: Pick<Repositories["profiles"], "getMany">,
  memberships: readonly ConversationMember[],
) {
  const everyone = [...new Set(memberships.flatMap((membership) => membership.participantIds))];
  const found = everyone.length ? await profiles.getMany(everyone) : new Map<string, Profile>();
  const participants = await servedParticipants(storage, everyone, found);
  return memberships.map((membership) =>
    conversationView(
      membership,
      membership.participantIds.map((userId) => participants.get(userId) as ParticipantView),
    ),
  );
}

/** The owner's own view (private fields included) when `includePrivateFields` is true. */
export async function servedProfile(
  storage: Storage,
  profile: Profile,
  includePrivateFields: true,
): Promise<z.infer<typeof ownProfileViewSchema>>;
export async function servedProfile(
  storage: Storage,
  profile: Profile,
  includePrivateFields: boolean,
): Promise<z.infer<typeof profileViewSchema> | z.infer<typeof ownProfileViewSchema>>;
export async function servedProfile(storage: Storage, profile: Profile, includePrivateFields: boolean) {
  return profileView(profile, includePrivateFields, await storage.photos.serve(profile.profilePhotoUrl));
}

/**
 * Comment views for `viewerId`, each with the viewer's own reaction, the author's photo served
 * and the mentioned members' current names: one batch read of the viewer's reaction rows for
 * the whole page (none for an empty page, or `reacted` when the caller already knows it)
 * beside one batch read of the mentioned profiles (see mentionNames): one round trip for both.
 */
export async function servedComments(
  storage: Storage,
  viewer: {
    reactions: Pick<Repositories["reactions"], "reactedTo">;
    viewerId: string;
    reacted?: ReadonlyMap<string, ReactionKind>;
  },
  comments: readonly Comment[],
  mentions: MentionReader,
) {
  const [reacted, names] = await Promise.all([
    viewer.reacted ??
      viewer.reactions.reactedTo(
        viewer.viewerId,
        comments.map((comment) => comment.commentId),
      ),
    mentionNames(mentions, comments),
  ]);
  return Promise.all(
    comments.map(async (comment) =>
      commentView(
        comment,
        reacted.get(comment.commentId) ?? null,
        await storage.photos.serve(comment.userPhotoUrl),
        names,
      ),
    ),
  );
}

/**
 * An item's top comments, each with its thread's first replies, for `viewerId`. The replies
 * (one Query per thread), the viewer's reactions to the top comments (one batch read) and to
 * those threads' replies (one Query per thread) are all read at once: with the page's own
 * Query, two round trips. Only a viewer with more reactions in one thread than that Query's
 * page, some to a reply the page did not reach, costs a third (a batch read of those).
 */
export async function servedThreads(
  storage: Storage,
  viewer: {
    repositories: Pick<Repositories, "comments" | "reactions">;
    viewerId: string;
  },
  tops: readonly Comment[],
  mentions: MentionReader,
) {
  const { comments, reactions } = viewer.repositories;
  const threadIds = tops.filter((top) => (top.replyCount ?? 0) > 0).map((top) => top.commentId);
  // The top comments' mentions are named in the same round; a shown reply naming someone no
  // top comment does costs one more BatchGet (see README, Replies).
  const [replies, onTops, inThreads, topNames] = await firstFailureOf([
    comments.firstReplies(tops),
    reactions.reactedTo(
      viewer.viewerId,
      tops.map((top) => top.commentId),
    ),
    reactions.inThreads(viewer.viewerId, threadIds),
    mentionNames(mentions, tops),
  ]);
  const reacted = new Map([...onTops, ...inThreads.kinds]);
  const unknown = [...replies].flatMap(([threadId, shown]) => {
    const reachedUpTo = inThreads.incomplete.get(threadId);
    return reachedUpTo === undefined ? [] : shown.filter((reply) => reply.commentId > reachedUpTo);
  });
  if (unknown.length > 0) {
    const more = await reactions.reactedTo(
      viewer.viewerId,
      unknown.map((reply) => reply.commentId),
    );
    for (const [commentId, kind] of more) reacted.set(commentId, kind);
  }
  const shownReplies = [...replies.values()].flat();
  const views = new Map(
    (
      await servedComments(
        storage,
        { reactions, viewerId: viewer.viewerId, reacted },
        [...tops, ...shownReplies],
        { ...mentions, known: topNames },
      )
    ).map((view) => [view.commentId, view]),
  );
  return tops.map((top) => ({
    ...views.get(top.commentId)!,
    replies: (replies.get(top.commentId) ?? []).map((reply) => views.get(reply.commentId)!),
  }));
}

/** Reactions with their reactors' current names and served photos. */
export function servedReactions(
  storage: Storage,
  reactions: readonly Reaction[],
  reactors: ReadonlyMap<string, Profile>,
) {
  return Promise.all(
    reactions.map(async (reaction) => {
      const reactor = reactors.get(reaction.userId);
      return reactionView(reaction, reactor, await storage.photos.serve(reactor?.profilePhotoUrl));
    }),
  );
}

/** Directory entries with served photos. */
export function servedMembers(
  storage: Storage,
  profiles: readonly Pick<Profile, "userId" | "displayName" | "profilePhotoUrl">[],
) {
  return Promise.all(
    profiles.map(async (profile) => memberView(profile, await storage.photos.serve(profile.profilePhotoUrl))),
  );
}
