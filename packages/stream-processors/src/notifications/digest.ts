import type { Logger } from "@aws-lambda-powertools/logger";
import type { DigestWindow, NotificationPreferences, Repositories } from "@hearth/domain";
import { digestEmail } from "./emails.js";
import type { SendEmail } from "./sender.js";

const PREFERENCE_OF: Record<DigestWindow["kind"], keyof NotificationPreferences> = {
  comment: "comments",
  reaction: "reactions",
  message: "messages",
};

export interface DigestDependencies {
  repositories: Pick<Repositories, "heldNotifications" | "notifications" | "profiles">;
  /** The one way emails leave (SES today). */
  sendEmail: SendEmail;
  siteUrl: string;
  logger: Pick<Logger, "info" | "error">;
  clock: () => Date;
  /**
   * How long a digest claim holds before a retry may take it over: longer than the function
   * may run (no two sends at once), shorter than Lambda's first async retry (a crashed run's
   * digest still goes out).
   */
  claimLeaseSeconds: number;
}

export type DigestOutcome =
  | { status: "sent"; listed: number }
  | { status: "nothing-to-send"; listed: 0 }
  | { status: "already-claimed"; listed: 0 };

/**
 * Sends one window's digest, exactly once: the window's digest is claimed first (holds after
 * that open a new window), then one Query of what was held and the recipient's profile, one
 * BatchGet of which of them are still unread in the feed, and one email listing those - or
 * none when nothing is unread, nothing was held or the preference is now off. A failed send
 * gives the claim back and throws, so the trigger's retry sends it; a second firing finds the
 * digest done and does nothing.
 */
export function createDigestSender(
  deps: DigestDependencies,
): (window: DigestWindow) => Promise<DigestOutcome> {
  const { heldNotifications, notifications, profiles } = deps.repositories;
  return async (window) => {
    const claimedAt = deps.clock();
    if (!(await heldNotifications.claimDigest(window, claimedAt, deps.claimLeaseSeconds))) {
      return { status: "already-claimed", listed: 0 };
    }
    let listed = 0;
    try {
      const [held, profile] = await Promise.all([
        heldNotifications.heldInWindow(window),
        profiles.get(window.userId),
      ]);
      const wanted = !!profile?.email && profile.notificationPreferences[PREFERENCE_OF[window.kind]];
      const unread =
        wanted && held.length > 0
          ? await notifications.unreadAmong(
              window.userId,
              held.map((event) => event.notificationId),
            )
          : new Set<string>();
      const toList = held.filter((event) => unread.has(event.notificationId));
      if (profile?.email && toList.length > 0) {
        await deps.sendEmail(profile.email, digestEmail(deps.siteUrl, window.kind, toList));
        listed = toList.length;
      }
    } catch (error) {
      try {
        await heldNotifications.releaseDigest(window, claimedAt);
      } catch (releaseError) {
        // The claim stays until its lease runs out; the retry after that sends the digest.
        deps.logger.error("Could not release a digest claim after a failure", {
          ...window,
          error: releaseError as Error,
        });
      }
      throw error;
    }
    await heldNotifications.completeDigest(window, claimedAt, listed);
    deps.logger.info("Digest done", { ...window, listed });
    return listed > 0 ? { status: "sent", listed } : { status: "nothing-to-send", listed: 0 };
  };
}
