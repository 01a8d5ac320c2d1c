import { batchWriteAll, type WriteRequest } from "../dynamo/batch.js";
import { type Page, type PageRequest, queryAll, queryPage } from "../dynamo/query.js";
import type { Profile } from "../entities.js";
import { toDomainError } from "../errors.js";
import { isCurrentMember } from "../rules/access.js";
import { isListingEntry, nameKeysOf, namePrefixOf } from "../rules/member-names.js";
import { Repository } from "./context.js";

/** The one partition of the name index: only current members are in it. */
const DIRECTORY = "member";

/** One word of a member's name in the name index, with what the picker shows of them. */
export interface MemberNameEntry {
  userId: string;
  /** The folded name from one of its words on (see rules/member-names.ts). */
  nameKey: string;
  directory: typeof DIRECTORY;
  displayName: string;
  profilePhotoUrl: string | null;
}

/**
 * The member name index (`MemberNames`): per current member one item per word of their name
 * (key `userId` + `nameKey`), and the sparse `NamePrefixIndex` over all of them (`directory` +
 * `nameKey`), which the mention picker queries with `begins_with`. Kept in step with the
 * profiles by the directory processor (off the UserProfiles stream): `syncMember` makes a
 * member's items what their profile says now.
 */
export class MemberNamesRepository extends Repository {
  private get table(): string {
    return this.tables.MemberNames;
  }

  /**
   * Members whose name has a word starting with `prefix` (folded): one Query per page, in the
   * order of the matching words. A member with two matching words is listed once, so a page may
   * hold fewer than `limit` members; `nextCursor` goes on after it.
   */
  async search(
    prefix: string,
    page: PageRequest,
  ): Promise<Page<Pick<Profile, "userId" | "displayName" | "profilePhotoUrl">>> {
    const folded = namePrefixOf(prefix);
    const result = await queryPage<Record<string, unknown>>(
      this.doc,
      this.cursors,
      {
        tableName: this.table,
        indexName: "NamePrefixIndex",
        keyAttributes: ["userId", "nameKey", "directory"],
        partitionKey: { name: "directory", value: DIRECTORY },
        sortKeyPrefix: { name: "nameKey", value: folded },
        scanIndexForward: true,
      },
      page,
    );
    const entries = result.items as unknown as MemberNameEntry[];
    return {
      items: entries
        .filter((entry) => isListingEntry(entry.displayName, entry.nameKey, folded))
        .map((entry) => ({
          userId: entry.userId,
          displayName: entry.displayName,
          profilePhotoUrl: entry.profilePhotoUrl ?? null,
        })),
      nextCursor: result.nextCursor,
    };
  }

  /** A member's items as stored (strongly consistent). */
  async entriesOf(userId: string): Promise<MemberNameEntry[]> {
    const entries: MemberNameEntry[] = [];
    for await (const item of queryAll<Record<string, unknown>>(this.doc, {
      TableName: this.table,
      KeyConditionExpression: "#userId = :userId",
      ExpressionAttributeNames: { "#userId": "userId" },
      ExpressionAttributeValues: { ":userId": userId },
      ConsistentRead: true,
    })) {
      entries.push(item as unknown as MemberNameEntry);
    }
    return entries;
  }

  /**
   * Makes `userId`'s items match `profile` as it is now: one per word of the name while they
   * are a current member, none otherwise (no profile, pending, revoked, deleted). Items of an
   * old name are deleted, the current ones written whole (a new photo too). Running it twice,
   * or for records of one member at once, ends in the same items: each run writes what the
   * profile it read says, never what a stream record said.
   */
  async syncMember(userId: string, profile: Profile | null): Promise<{ written: number; deleted: number }> {
    const wanted = profile && isCurrentMember(profile) ? nameKeysOf(profile.displayName) : [];
    const existing = await this.entriesOf(userId);
    const keep = new Set(wanted);
    const requests: WriteRequest[] = [
      ...existing
        .filter((entry) => !keep.has(entry.nameKey))
        .map((entry) => ({ delete: { userId, nameKey: entry.nameKey } })),
      ...wanted.map((nameKey) => ({
        put: {
          userId,
          nameKey,
          directory: DIRECTORY,
          displayName: profile?.displayName ?? "",
          profilePhotoUrl: profile?.profilePhotoUrl ?? null,
        } satisfies MemberNameEntry,
      })),
    ];
    const unchanged = (entry: MemberNameEntry | undefined) =>
      !!entry &&
      entry.displayName === profile?.displayName &&
      (entry.profilePhotoUrl ?? null) === (profile?.profilePhotoUrl ?? null);
    const byKey = new Map(existing.map((entry) => [entry.nameKey, entry]));
    // Items already as wanted are not written again.
    const needed = requests.filter(
      (request) => !("put" in request) || !unchanged(byKey.get(request.put.nameKey)),
    );
    if (needed.length) {
      try {
        await batchWriteAll(this.doc, this.table, needed);
      } catch (error) {
        throw toDomainError(error);
      }
    }
    const written = needed.filter((request) => "put" in request).length;
    return { written, deleted: needed.length - written };
  }
}
