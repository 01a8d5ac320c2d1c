import type { FunctionManifest } from "@hearth/domain";
import { handlerEntry, processorManifest } from "../processor-manifest.js";
import { approvals, exportCompletions, inserts } from "../stream-subscriptions.js";

/** Emails, feed entries and digest holds for new comments, reactions and messages; welcome and export-ready emails. */
export const notificationsManifest = processorManifest("notifications", {
  description: "stream processor: notifications (feed, email, digest holds)",
  tables: {
    UserProfiles: "readUpdate",
    Comments: "read",
    ConversationMembers: "read",
    Messages: "read",
    IdempotencyRecords: "readWrite",
    // The in-app feed: conditional puts of entries and ADD on each member's unread counter.
    Notifications: "readWrite",
    // Events held for digests (conditional puts in transactions) and each window's state.
    HeldNotifications: "readWrite",
  },
  sendsEmail: true,
  subscriptions: [
    { table: "Comments", filterPatterns: [inserts] },
    { table: "CommentReactions", filterPatterns: [inserts] },
    { table: "Messages", filterPatterns: [inserts] },
    { table: "UserProfiles", filterPatterns: [approvals] },
    { table: "Jobs", filterPatterns: [exportCompletions] },
  ],
  settings: ["email", "apiUrl", "cursorSecret", "notificationWindow", "digestSchedules"],
});

/**
 * The digest function (not on a stream: a window's one-time schedule invokes it): its window's
 * held events and state (Query, conditional updates of the claim), the feed (BatchGet of which
 * are unread) and the recipient's profile.
 */
export const digestsManifest = {
  name: "notification-digests",
  kind: "schedule",
  entry: handlerEntry("notification-digests"),
  description: "notification digests (one per window, invoked by its schedule)",
  // The claim lease of a window follows from this (see digest-handler.ts).
  timeoutSeconds: 30,
  memoryMb: 512,
  tables: { HeldNotifications: "readUpdate", Notifications: "read", UserProfiles: "read" },
  sendsEmail: true,
  settings: ["email", "apiUrl", "cursorSecret", "notificationWindow"],
} as const satisfies FunctionManifest<"notification-digests">;
