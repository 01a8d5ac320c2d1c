import { areaManifest } from "./area-manifest.js";

export const feedManifest = areaManifest("feed", {
  description: "the notification feed",
  // The caller's own feed and unread counter: Query/GetItem, and the mark-read transactions,
  // which only update entries and the counter (never put or delete one).
  tables: { Notifications: "readUpdate" },
});
