import type { MemberNamesRepository, ProfileReader } from "@hearth/domain";
import { MalformedRecordError, type StreamChange } from "../stream-change.js";

export interface DirectorySummary {
  userId: string;
  /** False when the change did not touch what the name index holds (activity counters, say). */
  synced: boolean;
  written: number;
  deleted: number;
}

export interface DirectorySyncDependencies {
  repositories: { profiles: Pick<ProfileReader, "get">; memberNames: MemberNamesRepository };
}

/** What the name index holds of a profile: its name and photo, while its membership mark is `member`. */
const LISTED_FIELDS = ["displayName", "profilePhotoUrl", "membership", "deletedAt", "createdAt"] as const;

/** Whether a profile change can change its member's entries in the name index. */
function changesListing(change: Pick<StreamChange, "oldImage" | "newImage">): boolean {
  return LISTED_FIELDS.some((field) => change.oldImage?.[field] !== change.newImage?.[field]);
}

/**
 * Keeps the mention picker's name index in step with the profiles: a profile change that
 * touches its listing (a rename, a new photo, a membership granted, revoked or ended, a
 * deletion's tombstone) makes the member's entries what their profile, read now and strongly
 * consistent, says. Records of one member processed together (a batch runs its records at
 * once) all end in the entries of the profile as it is, whatever order they run in; a failure
 * fails the record, which is retried.
 */
export function createDirectorySync(
  deps: DirectorySyncDependencies,
): (change: StreamChange) => Promise<DirectorySummary> {
  const { profiles, memberNames } = deps.repositories;
  return async (change) => {
    const userId = change.newImage?.userId ?? change.oldImage?.userId;
    if (typeof userId !== "string" || userId === "") {
      throw new MalformedRecordError(`The UserProfiles record ${change.eventID} has no userId`);
    }
    if (!changesListing(change)) return { userId, synced: false, written: 0, deleted: 0 };
    const profile = await profiles.get(userId, true);
    return { userId, synced: true, ...(await memberNames.syncMember(userId, profile)) };
  };
}
