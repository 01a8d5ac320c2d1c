import type { Comment, ConversationMember, Message, Profile, Repositories } from "@hearth/domain";
import type { StorageDependencies } from "./storage-dependencies.js";
import { presignDownload } from "./uploads.js";
import { commentView, conversationView, messageView, type ParticipantView, profileView } from "./views.js";

/**
 * Views with their URLs served: stored keys become presigned GETs (offline, no S3 call)
 * and participants get names, so a frontend needs no follow-up call to render them.
 */
type Storage = Pick<StorageDependencies, "objectUrls" | "photos">;

/** Messages with a 15-minute download URL on every attachment. */
export function servedMessages(storage: Storage, now: Date, messages: readonly Message[]) {
  return Promise.all(
    messages.map(async (message) => {
      const downloads = message.deleted
        ? []
        : await Promise.all(
            message.attachments.map((attachment) => presignDownload(storage.objectUrls, attachment, now)),
          );
      return messageView(message, downloads);
    }),
  );
}

/** The name lists show for someone with no saved profile. */
export const UNNAMED_PARTICIPANT = "Family member";

/** Participants' names and served photos from their profiles (missing ones get a placeholder name). */
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
          displayName: profile?.displayName.trim() || UNNAMED_PARTICIPANT,
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

export async function servedProfile(storage: Storage, profile: Profile, includePrivateFields: boolean) {
  return profileView(profile, includePrivateFields, await storage.photos.serve(profile.profilePhotoUrl));
}

export function servedComments(storage: Storage, comments: readonly Comment[]) {
  return Promise.all(
    comments.map(async (comment) => commentView(comment, await storage.photos.serve(comment.userPhotoUrl))),
  );
}
