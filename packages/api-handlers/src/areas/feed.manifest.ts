import { areaManifest } from "./area-manifest.js";

export const feedManifest = areaManifest("feed", {
  description: "the notification feed",
  // The caller's own feed and unread counter: Query/GetItem, and the mark-read transactions.
  tables: { Notifications: "readWrite" },
});
