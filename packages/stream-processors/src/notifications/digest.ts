import type { Logger } from "@aws-lambda-powertools/logger";
import {
  type DigestWindow,
  emailableAddress,
  type HeldNotificationsRepository,
  isCurrentMember,
  NOTIFICATION_PREFERENCE_OF,
  type NotificationsRepository,
  type ProfilesRepository,
} from "@hearth/domain";
import { digestEmail } from "./emails.js";
import type { EmailSender } from "./send-email.js";

/** The tables a digest reads and claims in. */
export interface DigestRepositories {
  heldNotifications: HeldNotificationsRepository;
  notifications: NotificationsRepository;
  profiles: ProfilesRepository;
}

export interface DigestDependencies {
  repositories: DigestRepositories;
  /** The one way emails leave (SESv2, with the unsubscribe headers). */
  sendEmail: EmailSender;
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
  /** The recipient is not a member any more: nothing held for them is sent. */
  | { status: "not-member"; listed: 0 }
  | { status: "already-claimed"; listed: 0 };

/**
 * Sends one window's digest, exactly once: the window's digest is claimed first (holds after
 * that open a new window), then one Query of what was held and the recipient's profile (a
 * recipient who is not a member now, whatever they were when the events were held, gets none), one
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
    let member = true;
    try {
      const [held, profile] = await Promise.all([
        heldNotifications.heldInWindow(window),
        profiles.get(window.userId),
      ]);
      member = isCurrentMember(profile);
      // Not a member now, no address, a suppressed one (it bounced or complained), or this kind turned off since.
      const to = emailableAddress(profile);
      const wanted =
        member && !!to && !!profile?.notificationPreferences[NOTIFICATION_PREFERENCE_OF[window.kind]];
      const unread =
        wanted && held.length > 0
          ? await notifications.unreadAmong(
              window.userId,
              held.map((event) => event.notificationId),
            )
          : new Set<string>();
      const toList = held.filter((event) => unread.has(event.notificationId));
      if (wanted && to && toList.length > 0) {
        await deps.sendEmail(to, digestEmail(deps.siteUrl, window.kind, toList), {
          unsubscribe: { userId: window.userId, kind: window.kind },
        });
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
    deps.logger.info("Digest done", { ...window, listed, member });
    if (!member) return { status: "not-member", listed: 0 };
    return listed > 0 ? { status: "sent", listed } : { status: "nothing-to-send", listed: 0 };
  };
}
