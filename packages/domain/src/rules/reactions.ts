import { type Comment, REACTION_KINDS, type Reaction, type ReactionKind } from "../entities.js";

/** What a reaction without a kind is (every reaction written before kinds existed), and what a POST without one adds. */
export const DEFAULT_REACTION_KIND: ReactionKind = "like";

/** A count per kind, every kind present. */
export type ReactionCounts = Record<ReactionKind, number>;

/** The kinds counted in an attribute of their own: all but likes, which are the total minus these. */
const SEPARATELY_COUNTED = REACTION_KINDS.filter((kind) => kind !== DEFAULT_REACTION_KIND);

/**
 * The comment attribute counting reactions of `kind`, or undefined for likes: likes have no
 * attribute of their own, they are what the total leaves, so a comment from before kinds
 * existed (a total and nothing else) shows its total as likes without being rewritten.
 */
export function reactionCountAttribute(kind: ReactionKind): KindCountAttribute | undefined {
  return kind === DEFAULT_REACTION_KIND ? undefined : (`reactionCount_${kind}` as KindCountAttribute);
}

/** The attributes of the separately counted kinds. */
type KindCountAttribute =
  | "reactionCount_love"
  | "reactionCount_laugh"
  | "reactionCount_wow"
  | "reactionCount_sad";
type CounterAttribute = "reactionCount" | KindCountAttribute;

/** The kind of a stored reaction: absent means a like. */
export function reactionKindOf(reaction: Pick<Reaction, "kind">): ReactionKind {
  return reaction.kind ?? DEFAULT_REACTION_KIND;
}

type CountedItem = Partial<Pick<Comment, CounterAttribute>>;

/** A comment's (or its locator's) reactions by kind; they add up to `reactionCount`. */
export function reactionCountsOf(item: CountedItem): ReactionCounts {
  const counts = { like: 0, love: 0, laugh: 0, wow: 0, sad: 0 } satisfies ReactionCounts;
  let others = 0;
  for (const kind of SEPARATELY_COUNTED) {
    const count = Math.max(0, item[reactionCountAttribute(kind)!] ?? 0);
    counts[kind] = count;
    others += count;
  }
  counts.like = Math.max(0, (item.reactionCount ?? 0) - others);
  return counts;
}

/**
 * What one member's reaction becomes when they send `kind`: none yet adds it, the same kind
 * takes it back, another kind replaces it (one reaction per member and comment).
 */
export type ReactionChange =
  | { outcome: "added"; kind: ReactionKind }
  | { outcome: "removed"; kind: ReactionKind }
  | { outcome: "switched"; from: ReactionKind; kind: ReactionKind };

export function reactionChange(current: ReactionKind | null, sent: ReactionKind): ReactionChange {
  if (current === null) return { outcome: "added", kind: sent };
  if (current === sent) return { outcome: "removed", kind: sent };
  return { outcome: "switched", from: current, kind: sent };
}

/** How a change moves the counters: the total and each separately counted kind (zero deltas left out). */
export type CounterDeltas = Partial<Record<CounterAttribute, number>>;

export function counterDeltas(change: ReactionChange): CounterDeltas {
  const deltas: CounterDeltas = {};
  const add = (attribute: CounterAttribute | undefined, delta: number) => {
    if (attribute) deltas[attribute] = (deltas[attribute] ?? 0) + delta;
  };
  switch (change.outcome) {
    case "added":
      add("reactionCount", 1);
      add(reactionCountAttribute(change.kind), 1);
      break;
    case "removed":
      add("reactionCount", -1);
      add(reactionCountAttribute(change.kind), -1);
      break;
    case "switched":
      add(reactionCountAttribute(change.from), -1);
      add(reactionCountAttribute(change.kind), 1);
      break;
  }
  return deltas;
}

/** The counts of `item` after `deltas` (none below zero). */
export function countsAfter(item: CountedItem, deltas: CounterDeltas): ReactionCounts {
  const next: CountedItem = { ...item };
  for (const [attribute, delta] of Object.entries(deltas) as [CounterAttribute, number][]) {
    next[attribute] = (next[attribute] ?? 0) + delta;
  }
  return reactionCountsOf(next);
}

/** The emoji a kind is shown with in emails and feed texts. */
export const REACTION_EMOJI: Record<ReactionKind, string> = {
  like: "👍",
  love: "❤️",
  laugh: "😂",
  wow: "😮",
  sad: "😢",
};
