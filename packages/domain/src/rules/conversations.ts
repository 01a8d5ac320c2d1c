import { createHash } from "node:crypto";
import { LIMITS } from "../entities.js";
import { InvalidInputError } from "../errors.js";

/**
 * The id of the one direct conversation between two people: the same whatever the order
 * of the ids, URL-safe, and revealing nothing of the ids themselves.
 */
export function directConversationId(userA: string, userB: string): string {
  if (userA === userB) throw new InvalidInputError("A direct conversation needs two different people");
  const [first, second] = [userA, userB].sort();
  return `dm_${createHash("sha256").update(`${first}\u0000${second}`).digest("base64url")}`;
}

/** Participants with the caller added and duplicates removed, checked against the group size limits. */
export function normalizeParticipants(callerId: string, participantIds: readonly string[]): string[] {
  const participants = [...new Set([callerId, ...participantIds])];
  if (participants.length < 2)
    throw new InvalidInputError("A conversation needs at least one other participant");
  if (participants.length > LIMITS.groupParticipants) {
    throw new InvalidInputError(`A conversation has at most ${LIMITS.groupParticipants} participants`);
  }
  return participants;
}

/** The preview shown in conversation lists. */
export function messagePreview(text: string, attachmentCount: number): string {
  const flat = text.replace(/\s+/g, " ").trim();
  if (flat)
    return flat.length > LIMITS.messagePreview ? `${flat.slice(0, LIMITS.messagePreview - 1)}…` : flat;
  return attachmentCount === 1 ? "📎 1 attachment" : `📎 ${attachmentCount} attachments`;
}

/** The preview of a conversation whose last message its sender deleted. */
export const DELETED_MESSAGE_PREVIEW = "Message deleted";
