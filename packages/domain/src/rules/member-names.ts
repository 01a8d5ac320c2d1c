import { InvalidInputError } from "../errors.js";

/**
 * How the mention picker finds members by the beginning of any word of their name, case- and
 * accent-insensitively: a name is folded (accents and case gone, apostrophes dropped, every
 * other run of punctuation or space one separator) and indexed once per word, under the name
 * from that word on ("ada lovelace", "lovelace"). A prefix, folded the same way, then matches
 * with one `begins_with` on that key: "Love" finds Ada Lovelace, and so does "ada lo".
 */

/** Longest prefix accepted, in characters (longer ones could match no name). */
export const MAX_NAME_PREFIX = 100;
/** Words of a name that are indexed: the first ones; a name's later words are rarely searched. */
export const MAX_INDEXED_NAME_WORDS = 12;

/** A name or prefix folded to searchable words: no accents, lower case, letters and digits. */
export function nameWordsOf(text: string): string[] {
  return text
    .normalize("NFKD")
    .replace(/\p{M}+/gu, "")
    .toLowerCase()
    .replace(/['’ʼ`]/gu, "")
    .split(/[^\p{L}\p{N}]+/u)
    .filter((word) => word !== "");
}

/**
 * The keys a display name is indexed under: one per word, the name from that word on, ending
 * in a space so a prefix ending in one ("Ada ") matches whole words only.
 */
export function nameKeysOf(displayName: string): string[] {
  const words = nameWordsOf(displayName).slice(0, MAX_INDEXED_NAME_WORDS);
  return [...new Set(words.map((_, index) => `${words.slice(index).join(" ")} `))];
}

/** A `prefix` query parameter as a key prefix; 400 when it holds no letter or digit. */
export function namePrefixOf(prefix: string): string {
  if (prefix.length > MAX_NAME_PREFIX) {
    throw new InvalidInputError(`prefix must be at most ${MAX_NAME_PREFIX} characters`);
  }
  const folded = nameWordsOf(prefix).join(" ");
  if (!folded) throw new InvalidInputError("prefix must contain a letter or a digit");
  // "Ada " is a whole word: only names with a word "ada" (and more after it) match.
  return /[^\p{L}\p{N}'’ʼ`]$/u.test(prefix.normalize("NFKD").replace(/\p{M}+/gu, "")) ? `${folded} ` : folded;
}

/** DynamoDB's order of string keys (UTF-8 bytes), which JavaScript's own comparison is not. */
function byteOrder(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));
}

/**
 * Whether the index entry `key` of a member named `displayName` is the one that lists them for
 * `prefix`: a name with two words matching the prefix has two entries, and only the first in
 * the index's order counts, so every member is listed once, on whichever page that entry is.
 */
export function isListingEntry(displayName: string, key: string, prefix: string): boolean {
  const matching = nameKeysOf(displayName)
    .filter((candidate) => candidate.startsWith(prefix))
    .sort(byteOrder);
  return matching[0] === key;
}
