import type { Context } from "aws-lambda";
import type { digestDependenciesFromEnv } from "../dependencies.js";
import { createDigestSender, type DigestOutcome } from "./digest.js";
import { parseDigestWindow } from "./digest-window.js";
import { digestsManifest } from "./manifest.js";
import { createEmailSender } from "./send-email.js";

/** Longer than a run, shorter than Lambda's first async retry (about a minute). */
export const DIGEST_CLAIM_LEASE_SECONDS = digestsManifest.timeoutSeconds + 15;

export type DigestHandler = (event: unknown, context?: Context) => Promise<DigestOutcome>;

/**
 * The digest function: parses the schedule's input (a malformed one throws, so it ends in the
 * dead-letter queue rather than vanishing) and sends that window's digest.
 */
export function createDigestHandler(deps: ReturnType<typeof digestDependenciesFromEnv>): DigestHandler {
  const sendDigest = createDigestSender({
    repositories: deps.repositories,
    sendEmail: createEmailSender(deps),
    siteUrl: deps.siteUrl,
    logger: deps.logger,
    clock: deps.clock,
    claimLeaseSeconds: DIGEST_CLAIM_LEASE_SECONDS,
  });
  return async (event) => {
    const window = parseDigestWindow(event);
    try {
      return await sendDigest(window);
    } catch (error) {
      deps.logger.error("The digest could not be sent; it is retried", { ...window, error: error as Error });
      throw error;
    }
  };
}
