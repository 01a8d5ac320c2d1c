import { QueryCommand } from "@aws-sdk/lib-dynamodb";
import {
  InvalidInputError,
  isListingEntry,
  nameKeysOf,
  namePrefixOf,
  RevocationsRepository,
} from "@hearth/domain";
import { describe, expect, it } from "vitest";
import { type Harness, saveProfile, uniqueId, useHarness } from "./helpers.js";

/**
 * The mention picker's name index: members found by the beginning of any word of their name,
 * case- and accent-insensitively, kept in step with the profiles by the directory processor
 * off the UserProfiles stream (renames, photos, revocations, deletions).
 */
const harness = useHarness("directory");

/** Runs every pending UserProfiles record through the directory processor. */
async function syncDirectory(h: Harness): Promise<void> {
  const records = await h.tap.take("UserProfiles");
  expect((await h.process("directory", records)).batchItemFailures).toEqual([]);
}

/** A member with a name of this test's own (a word no other test's member has). */
async function member(h: Harness, displayName: string, options: { private?: boolean } = {}) {
  const userId = uniqueId("member");
  await saveProfile(h, userId, { displayName });
  if (options.private) await h.db.repositories.profiles.upsert(userId, { isProfilePrivate: true });
  return userId;
}

/** Every page of a search, the user ids of each page. */
async function pagesOf(h: Harness, prefix: string, limit: number): Promise<string[][]> {
  const pages: string[][] = [];
  let cursor: string | null = null;
  do {
    const page = await h.db.repositories.memberNames.search(prefix, { limit, cursor });
    pages.push(page.items.map((entry) => entry.userId));
    cursor = page.nextCursor;
  } while (cursor && pages.length < 20);
  return pages;
}

const found = async (h: Harness, prefix: string) => (await pagesOf(h, prefix, 100)).flat();

describe("name keys", () => {
  it("fold case, accents and punctuation, one key per word from that word on", () => {
    expect(nameKeysOf("Åsa  Ó'Brien-Núñez")).toEqual(["asa obrien nunez ", "obrien nunez ", "nunez "]);
    expect(namePrefixOf("NÚÑ")).toBe("nun");
    expect(namePrefixOf("Asa O")).toBe("asa o");
    expect(namePrefixOf("asa ")).toBe("asa ");
    expect(() => namePrefixOf("!!")).toThrow(InvalidInputError);
    expect(() => namePrefixOf("a".repeat(101))).toThrow(InvalidInputError);
    // A name with two words matching lists its member once: at the first of them.
    expect(isListingEntry("Anna Andersson", "andersson ", "an")).toBe(true);
    expect(isListingEntry("Anna Andersson", "anna andersson ", "an")).toBe(false);
  });
});

describe("GET /members?prefix= (the name index)", () => {
  it("finds members by the beginning of any word, whatever the case and accents", async () => {
    const h = harness();
    const tag = uniqueId("x").replace(/[^a-z0-9]/g, "");
    const ada = await member(h, `Ada Lovelace${tag}`);
    const bjorn = await member(h, `Björn Lövgren${tag}`);
    const zoe = await member(h, `Zoë ${tag}`);
    await syncDirectory(h);

    expect(await found(h, `lovelace${tag}`)).toEqual([ada]);
    expect(await found(h, `LÖVG`)).toContain(bjorn);
    expect(await found(h, `lovg`)).toContain(bjorn);
    expect(await found(h, `bjorn lovgren${tag}`)).toEqual([bjorn]);
    expect(await found(h, `ZOE ${tag.slice(0, 4)}`)).toEqual([zoe]);
    expect(await found(h, tag)).toEqual([zoe]);
    expect(await found(h, `ada lovelace${tag} `)).toEqual([ada]);
    expect(await found(h, `ada lovelace${tag}x`)).toEqual([]);
  });

  it("pages with a cursor, each member once even when two of their words match", async () => {
    const h = harness();
    const tag = uniqueId("p").replace(/[^a-z0-9]/g, "");
    const ids = [];
    for (const name of ["Anna", "Andrew", "Annika", "Anders", "Ann"]) {
      ids.push(await member(h, `${tag}${name} ${tag}an${name}`));
    }
    await syncDirectory(h);

    const pages = await pagesOf(h, tag, 2);
    expect(pages.length).toBeGreaterThan(2);
    expect(pages.flat().sort()).toEqual([...ids].sort());
    // Each page is one Query of at most `limit` entries.
    for (const page of pages) expect(page.length).toBeLessThanOrEqual(2);
    // A cursor belongs to its prefix: another prefix's list refuses it.
    const first = await h.db.repositories.memberNames.search(tag, { limit: 2 });
    await expect(
      h.db.repositories.memberNames.search(`${tag}a`, { limit: 2, cursor: first.nextCursor }),
    ).rejects.toThrow(InvalidInputError);
  });

  it("lists private profiles with name and photo only, as the directory does", async () => {
    const h = harness();
    const tag = uniqueId("q").replace(/[^a-z0-9]/g, "");
    const hidden = await member(h, `Private ${tag}`, { private: true });
    await syncDirectory(h);
    const page = await h.db.repositories.memberNames.search(tag, {});
    expect(page.items).toEqual([{ userId: hidden, displayName: `Private ${tag}`, profilePhotoUrl: null }]);
  });

  it("follows renames, revocations and deletions, leaving no entry behind", async () => {
    const h = harness();
    const tag = uniqueId("r").replace(/[^a-z0-9]/g, "");
    const { profiles, memberNames } = h.db.repositories;
    const maud = await member(h, `Maud ${tag}old`);
    const revoked = await member(h, `Rev ${tag}`);
    const deleted = await member(h, `Del ${tag}`);
    await syncDirectory(h);
    expect((await found(h, tag)).sort()).toEqual([deleted, maud, revoked].sort());

    await profiles.upsert(maud, { displayName: `Maud ${tag}new` });
    await profiles.revoke(
      revoked,
      "admin",
      new RevocationsRepository({ doc: h.db.doc, tables: h.db.tables, cursors: h.db.cursors }),
    );
    await profiles.tombstone(deleted);
    await syncDirectory(h);

    expect(await found(h, `${tag}old`)).toEqual([]);
    expect(await found(h, `${tag}new`)).toEqual([maud]);
    expect(await found(h, `rev ${tag}`)).toEqual([]);
    expect(await found(h, `del ${tag}`)).toEqual([]);
    expect((await memberNames.entriesOf(maud)).map((entry) => entry.nameKey)).toEqual([
      `maud ${tag}new `,
      `${tag}new `,
    ]);
    for (const gone of [revoked, deleted]) {
      const output = await h.db.doc.send(
        new QueryCommand({
          TableName: h.db.tables.MemberNames,
          KeyConditionExpression: "userId = :u",
          ExpressionAttributeValues: { ":u": gone },
        }),
      );
      expect(output.Items).toEqual([]);
    }

    // Approved again: listed again.
    await profiles.approve(revoked, "admin");
    await syncDirectory(h);
    expect(await found(h, `rev ${tag}`)).toEqual([revoked]);
  });

  it("a record delivered twice, or records of one member in one batch, end in the profile's entries", async () => {
    const h = harness();
    const tag = uniqueId("s").replace(/[^a-z0-9]/g, "");
    const userId = await member(h, `First${tag}`);
    await h.db.repositories.profiles.upsert(userId, { displayName: `Second${tag}` });
    await h.db.repositories.profiles.upsert(userId, { displayName: `Third${tag}` });
    const records = await h.tap.take("UserProfiles");
    // Three records of one member in one batch run at once, in no order; then all delivered again.
    expect(records.length).toBeGreaterThanOrEqual(3);
    expect((await h.process("directory", records)).batchItemFailures).toEqual([]);
    expect((await h.process("directory", records)).batchItemFailures).toEqual([]);
    expect((await h.db.repositories.memberNames.entriesOf(userId)).map((entry) => entry.nameKey)).toEqual([
      `third${tag} `,
    ]);
    // Activity counters change the profile but not its listing: its entries stay as they are.
    await h.db.repositories.profiles.touchLastActive(userId, new Date().toISOString());
    await syncDirectory(h);
    expect(await found(h, `third${tag}`)).toEqual([userId]);
  });
});
