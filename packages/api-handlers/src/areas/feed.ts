import { notificationIdSchema } from "@hearth/domain";
import { notificationView } from "@hearth/views/views";
import * as z from "zod";
import { type AreaRoutes, ok } from "../http/route-handler.js";

/** Either the newest notification to mark read (it and every older one), or all of them. */
export const markReadBody = z.union([
  z.strictObject({ upTo: notificationIdSchema }),
  z.strictObject({ all: z.literal(true) }),
]);

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
