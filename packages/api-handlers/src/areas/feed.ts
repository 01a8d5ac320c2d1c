import { notificationView } from "@hearth/views/views";
import { type AreaRoutes, ok } from "../area-routes.js";
import { markReadBody } from "../request-bodies.js";

export const feedRoutes: AreaRoutes<"feed"> = {
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
