import { HeldNotificationsRepository, NotificationsRepository, ProfilesRepository } from "@hearth/domain";
import type { Context } from "aws-lambda";
import { createDigestSender, type DigestOutcome, type DigestRepositories } from "../notifications/digest.js";
import { parseDigestWindow } from "../notifications/digest-window.js";
import { type EmailSending, emailSendingFromEnv, type SiteLinks } from "../notifications/email-sending.js";
import { createEmailSender } from "../notifications/send-email.js";
import {
  type CoreProcessorDependencies,
  coreProcessorDependenciesFromEnv,
  repositoryContextFromEnv,
} from "../runtime.js";
import { digestsManifest } from "./manifest.js";

/** Longer than a run, shorter than Lambda's first async retry (about a minute). */
export const DIGEST_CLAIM_LEASE_SECONDS = digestsManifest.timeoutSeconds + 15;

export type DigestHandler = (event: unknown, context?: Context) => Promise<DigestOutcome>;

/**
 * The digest function's parts: the core, email sending and the three repositories it reads;
 * no idempotency store (the window's digest claim is its own) and no scheduler client.
 */
export type DigestFunctionDependencies = CoreProcessorDependencies &
  EmailSending &
  SiteLinks & { repositories: DigestRepositories };

export function digestFunctionDependencies(env: NodeJS.ProcessEnv = process.env): DigestFunctionDependencies {
  const context = repositoryContextFromEnv(env);
  return {
    ...coreProcessorDependenciesFromEnv(env, digestsManifest),
    ...emailSendingFromEnv(env),
    repositories: {
      heldNotifications: new HeldNotificationsRepository(context),
      notifications: new NotificationsRepository(context),
      profiles: new ProfilesRepository(context),
    },
  };
}

/**
 * The digest function: parses the schedule's input (a malformed one throws, so it ends in the
 * dead-letter queue rather than vanishing) and sends that window's digest; a digest withheld
 * because its recipient is no longer a member is counted (`DigestsSkippedNotMember`).
 */
export function createDigestHandler(deps: DigestFunctionDependencies): DigestHandler {
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
      const outcome = await sendDigest(window);
      if (outcome.status === "not-member") {
        deps.metrics.addMetric("DigestsSkippedNotMember", "Count", 1);
        deps.metrics.publishStoredMetrics();
      }
      return outcome;
    } catch (error) {
      deps.logger.error("The digest could not be sent; it is retried", { ...window, error: error as Error });
      throw error;
    }
  };
}

/** Builds the digest function from its environment; tests replace parts with `overrides`. */
export function buildDigestFunction(
  env: NodeJS.ProcessEnv = process.env,
  overrides: Partial<DigestFunctionDependencies> = {},
): DigestHandler {
  return createDigestHandler({ ...digestFunctionDependencies(env), ...overrides });
}

export const digestsFunction = { manifest: digestsManifest, build: buildDigestFunction };
