import {
  CommentsRepository,
  ConversationReader,
  HeldNotificationsRepository,
  NotificationsRepository,
  ProfilesRepository,
  SentEmailsRepository,
} from "@hearth/domain";
import { type FailureNotes, failureNotes } from "../failure-notes.js";
import { type IdempotencyStore, idempotencyStoreFromEnv, idempotentProcessor } from "../idempotency.js";
import type { OutcomeCounter, StreamProcessorHandler } from "../pipeline.js";
import { processorIdentity } from "../processor-manifest.js";
import {
  type CoreProcessorDependencies,
  coreProcessorDependenciesFromEnv,
  repositoryContextFromEnv,
} from "../runtime.js";
import { NotificationDeliveryError, type NotificationSummary } from "./delivery-error.js";
import { digestSchedulerFromEnv } from "./digest-scheduler.js";
import { emailSendingFromEnv, notificationWindowFromEnv } from "./email-sending.js";
import { notificationsManifest } from "./manifest.js";
import { createNotifier, type NotifierDependencies } from "./notify.js";

/** Everything the notifications processor uses, part by part. */
export type NotificationProcessorDependencies = CoreProcessorDependencies &
  FailureNotes &
  IdempotencyStore &
  NotifierDependencies;

/**
 * Emails sent, recipients suppressed (opted out, no address, emailed within the window), emails
 * failed; recipients who are not members now, per path (a feed entry and an email for activity,
 * an email only for welcome and export-ready).
 */
const countNotifications: OutcomeCounter<NotificationSummary> = {
  succeeded(metrics, _change, summary) {
    if (summary.sent) metrics.addMetric("EmailsSent", "Count", summary.sent);
    if (summary.skipped) metrics.addMetric("EmailsSuppressed", "Count", summary.skipped);
    if (summary.notMember) {
      metrics.addMetric("EmailsSkippedNotMember", "Count", summary.notMember);
      if (summary.kind !== "welcome" && summary.kind !== "export") {
        metrics.addMetric("FeedEntriesSkippedNotMember", "Count", summary.notMember);
      }
    }
  },
  failed(metrics, error) {
    if (error instanceof NotificationDeliveryError) {
      metrics.addMetric("EmailsFailed", "Count", error.failedRecipientIds.length);
    }
  },
};

/**
 * The notifications processor's parts from its environment: the core, the idempotency store,
 * its six repositories, email sending (see `emailSendingFromEnv`), the debounce window and the
 * digest scheduler (see `DIGEST_SCHEDULE_ENV`).
 */
export function notificationProcessorDependencies(
  env: NodeJS.ProcessEnv = process.env,
): NotificationProcessorDependencies {
  const context = repositoryContextFromEnv(env);
  return {
    ...coreProcessorDependenciesFromEnv(env, notificationsManifest),
    ...failureNotes(context),
    ...idempotencyStoreFromEnv(env),
    ...emailSendingFromEnv(env),
    ...notificationWindowFromEnv(env),
    digestScheduler: digestSchedulerFromEnv(env),
    repositories: {
      profiles: new ProfilesRepository(context),
      comments: new CommentsRepository(context),
      conversations: new ConversationReader(context),
      notifications: new NotificationsRepository(context),
      heldNotifications: new HeldNotificationsRepository(context),
      sentEmails: new SentEmailsRepository(context),
    },
  };
}

export function createNotificationProcessor(deps: NotificationProcessorDependencies): StreamProcessorHandler {
  return idempotentProcessor(
    processorIdentity(notificationsManifest),
    deps,
    createNotifier(deps),
    countNotifications,
  );
}

/** Builds the notifications processor from its environment; tests replace parts with `overrides`. */
export function buildNotificationProcessor(
  env: NodeJS.ProcessEnv = process.env,
  overrides: Partial<NotificationProcessorDependencies> = {},
): StreamProcessorHandler {
  return createNotificationProcessor({ ...notificationProcessorDependencies(env), ...overrides });
}

export const notificationsFunction = { manifest: notificationsManifest, build: buildNotificationProcessor };
