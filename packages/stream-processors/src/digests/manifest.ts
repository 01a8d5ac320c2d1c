import type { FunctionManifest } from "@hearth/domain";
import { handlerEntry } from "../processor-manifest.js";

/**
 * The digest function (not on a stream: a window's one-time schedule invokes it): its window's
 * held events and state (Query, conditional updates of the claim), the feed (BatchGet of which
 * are unread) and the recipient's profile.
 */
export const digestsManifest = {
  name: "notification-digests",
  kind: "schedule",
  entry: handlerEntry(import.meta.url),
  description: "notification digests (one per window, invoked by its schedule)",
  // The claim lease of a window follows from this (see digest-handler.ts).
  timeoutSeconds: 30,
  memoryMb: 512,
  tables: { HeldNotifications: "readUpdate", Notifications: "read", UserProfiles: "read" },
  sendsEmail: true,
  settings: ["email", "apiUrl", "cursorSecret", "notificationWindow"],
} as const satisfies FunctionManifest<"notification-digests">;
