import { processorManifest } from "../processor-manifest.js";
import { approvals, exportCompletions, inserts, mentionAdditions } from "../stream-subscriptions.js";

/**
 * Emails, feed entries and digest holds for new comments, replies, mentions, reactions and
 * messages; welcome and export-ready emails.
 */
export const notificationsManifest = processorManifest("notifications", import.meta.url, {
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
    // New comments and replies; edits that added a mention.
    { table: "Comments", filterPatterns: [inserts, mentionAdditions] },
    { table: "CommentReactions", filterPatterns: [inserts] },
    { table: "Messages", filterPatterns: [inserts] },
    { table: "UserProfiles", filterPatterns: [approvals] },
    { table: "Jobs", filterPatterns: [exportCompletions] },
  ],
  settings: ["email", "apiUrl", "cursorSecret", "notificationWindow", "digestSchedules"],
});
