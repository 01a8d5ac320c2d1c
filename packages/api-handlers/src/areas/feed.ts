import type { NotificationsRepository } from "@hearth/domain/repositories/notifications";
import { notificationView } from "@hearth/views/views";
import { type AreaRoutes, ok } from "../area-routes.js";
import { markReadBody } from "../request-bodies.js";

/** What the feed routes use: the caller's notifications (names, not photos: no signer). */
export interface FeedDependencies {
  repositories: { notifications: NotificationsRepository };
}

export const feedRoutes: AreaRoutes<"feed", FeedDependencies> = {
  "GET /notifications": async (request, { repositories }) => {
    const page = await repositories.notifications.list(request.caller.userId, request.page());
    return ok({
      notifications: page.items.map(notificationView),
      nextCursor: page.nextCursor,
      unreadCount: page.unreadCount,
    });
  },

  "PUT /notifications/read": async (request, { repositories }) => {
    const target = request.body(markReadBody);
    const unreadCount = await repositories.notifications.markRead(request.caller.userId, target);
    return ok({ unreadCount });
  },
};
