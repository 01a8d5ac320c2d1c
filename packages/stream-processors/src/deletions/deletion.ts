import {
  type CommentsRepository,
  type ConnectionsRepository,
  type ConversationsRepository,
  type HeldNotificationsRepository,
  type JobProgress,
  type JobsRepository,
  type NotificationsRepository,
  type ProfilesRepository,
  type RateLimits,
  type RateLimitsRepository,
  REACTION_KINDS,
  type ReactionsRepository,
  type RevocationsRepository,
  type StoredResponsesRepository,
} from "@hearth/domain";
import * as z from "zod";
import type { JobRun, JobRunner } from "../jobs/runner.js";
import type { ConnectionsApi } from "../realtime/connections-api.js";
import type { UserAccounts } from "./user-accounts.js";

/** The tables an account deletion erases the member from. */
export interface DeletionRepositories {
  /** The member's export in flight is cancelled (their own deletion job is moved by the worker). */
  jobs: JobsRepository;
  reactions: ReactionsRepository;
  comments: CommentsRepository;
  conversations: ConversationsRepository;
  rateLimits: RateLimitsRepository;
  notifications: NotificationsRepository;
  heldNotifications: HeldNotificationsRepository;
  connections: ConnectionsRepository;
  storedResponses: StoredResponsesRepository;
  profiles: ProfilesRepository;
  revocations: Pick<RevocationsRepository, "recordRevocation">;
}

export interface DeletionDependencies {
  repositories: DeletionRepositories;
  /** The environment's limits: which rate-limit windows a member can have open right now. */
  rateLimits: RateLimits;
  userAccounts: UserAccounts;
  /** Closes the member's open WebSocket connections before their records go. */
  connectionsApi: Pick<ConnectionsApi, "close">;
  /** Items per Query page, so per checkpoint (DynamoDB's batch write size by default). */
  pageSize?: number;
}

/**
 * The steps of an account deletion, in the order they run. Each leaves the member's data in
 * a state the next can start from, and each write is conditional on what it removes still
 * being there, so a run interrupted anywhere and resumed from its checkpoint (or a page done
 * twice) changes nothing twice. The Cognito user goes last: until then the member's data is
 * still being removed and a retry can finish it.
 */
export const DELETION_STEPS = [
  "export",
  "reactions",
  "comments",
  "conversations",
  "sentMessages",
  "rateLimits",
  "notifications",
  "feedMentions",
  "digestMentions",
  "connections",
  "storedResponses",
  "profile",
  "account",
  "done",
] as const;
export type DeletionStep = (typeof DELETION_STEPS)[number];

/** Counts per kind of data removed, the job's progress and its result. */
export const DELETION_COUNTS = [
  "export",
  "reactions",
  "comments",
  "messages",
  "conversations",
  "rateLimits",
  "notifications",
  "feedMentions",
  "digestMentions",
  "connections",
  "storedResponses",
  "profile",
  "account",
] as const;
export type DeletionCount = (typeof DELETION_COUNTS)[number];

const pageKeySchema = z.record(z.string(), z.unknown()).nullable();

/** Where a deletion stopped: its step, the last key of the page done in it, and the Cognito username. */
export const deletionCheckpointSchema = z.object({
  step: z.enum(DELETION_STEPS),
  /** The last key of the step's last finished page (the next page starts after it). */
  after: pageKeySchema.optional(),
  /** In the reactions step: the page being removed (saved before any of it is), and where the next starts. */
  // The kind tells which per-kind count to take back (absent on checkpoints from before kinds:
  // the row's own kind is read then).
  pending: z
    .array(z.object({ commentId: z.string(), itemId: z.string(), kind: z.enum(REACTION_KINDS).optional() }))
    .optional(),
  next: pageKeySchema.optional(),
  /** In the conversations step: the conversation whose messages are being erased, and whether they all are. */
  conversationId: z.string().optional(),
  messagesErased: z.boolean().optional(),
  /** Read from the profile before anything is removed, so it outlives the profile row. */
  cognitoUsername: z.string(),
});
export type DeletionCheckpoint = z.infer<typeof deletionCheckpointSchema>;

export const DEFAULT_DELETION_PAGE_SIZE = 25;

/**
 * Runs a member's account deletion for the jobs worker: their reactions taken back
 * (each comment's count down by exactly one), their comments erased, their messages erased
 * and their conversation memberships removed (the others keep the conversations), the
 * messages they sent in conversations they had left erased too, their
 * rate-limit records, export objects and profile removed, and finally their Cognito user.
 * A checkpoint is saved after every page and every step, and a resumed run starts from
 * `job.checkpoint`; the result is the counts per kind.
 */
export function createDeletionRunner(deps: DeletionDependencies): JobRunner {
  const {
    reactions,
    comments,
    conversations,
    rateLimits,
    notifications,
    heldNotifications,
    connections,
    storedResponses,
    profiles,
  } = deps.repositories;
  const limit = deps.pageSize ?? DEFAULT_DELETION_PAGE_SIZE;

  return async (run: JobRun) => {
    const userId = run.job.userId;
    const progress: Record<DeletionCount, number> = Object.fromEntries(
      DELETION_COUNTS.map((kind) => [kind, run.job.progress[kind] ?? 0]),
    ) as Record<DeletionCount, number>;
    const saved = deletionCheckpointSchema.safeParse(run.job.checkpoint);
    // A run with no (or an unreadable) checkpoint starts over: every step is safe to repeat.
    let state: DeletionCheckpoint = saved.success
      ? saved.data
      : { step: "export", cognitoUsername: (await profiles.get(userId))?.cognitoUsername ?? userId };

    const save = async (next: DeletionCheckpoint): Promise<void> => {
      await run.checkpoint({ ...progress } satisfies JobProgress, next);
      state = next;
    };
    const nextStep = (step: DeletionStep): Promise<void> =>
      save({ step, cognitoUsername: state.cognitoUsername });

    // An export in flight is cancelled first, so it writes no more of what is being erased; its
    // objects (written or not) go with the member's files when the tombstone appears.
    if (state.step === "export") {
      const cancelled = await deps.repositories.jobs.cancelActive("export", userId, {
        code: "ACCOUNT_DELETED",
        message: "The export was cancelled because the account is being deleted",
      });
      if (cancelled) progress.export = 1;
      await nextStep("reactions");
    }

    if (state.step === "reactions") {
      for (;;) {
        // Removed rows leave the index, so a page is saved as pending before any of it is
        // removed: a resumed run finishes exactly those and counts each of them once.
        let pending = state.pending;
        let after = state.after;
        if (!pending) {
          const page = await reactions.listByUser(userId, { after: state.after, limit });
          pending = page.items.map(({ commentId, itemId, kind }) => ({
            commentId,
            itemId,
            ...(kind ? { kind } : {}),
          }));
          after = page.lastKey;
          await save({ ...state, pending, after: state.after, next: after });
        } else {
          after = state.next ?? null;
        }
        for (const reaction of pending) {
          await reactions.removeForErasure({ ...reaction, userId });
          progress.reactions++;
        }
        if (!after) break;
        await save({ step: "reactions", after, cognitoUsername: state.cognitoUsername });
      }
      await nextStep("comments");
    }

    if (state.step === "comments") {
      for (;;) {
        const page = await comments.listAllByUser(userId, { after: state.after, limit });
        for (const comment of page.items) {
          await comments.eraseByAuthor(comment);
          progress.comments++;
        }
        if (!page.lastKey) break;
        await save({ ...state, after: page.lastKey });
      }
      await nextStep("conversations");
    }

    if (state.step === "conversations") {
      const base: DeletionCheckpoint = { step: "conversations", cognitoUsername: state.cognitoUsername };
      // One conversation at a time, always the first membership left: its messages are
      // erased page by page, then the membership goes, and the next one is first.
      for (;;) {
        const [membership] = (await conversations.listMemberships(userId, { limit: 1 })).items;
        if (state.conversationId !== undefined && membership?.conversationId !== state.conversationId) {
          // The interrupted run removed that membership before it could save: count it now.
          if (state.messagesErased) progress.conversations++;
          state = base;
        }
        if (!membership) break;
        const { conversationId } = membership;
        if (!state.messagesErased) {
          let after = state.conversationId === conversationId ? state.after : null;
          for (;;) {
            const page = await conversations.listMessagesBySender(conversationId, userId, { after, limit });
            // Erased messages stay listed: a page an interrupted run half did is seen whole
            // again and counted once, on top of the progress saved before it.
            for (const message of page.items) {
              await conversations.eraseMessage(message);
              progress.messages++;
            }
            after = page.lastKey;
            if (!after) break;
            await save({ ...base, conversationId, after });
          }
          await save({ ...base, conversationId, messagesErased: true });
        }
        if (await conversations.removeFormerMember(userId, conversationId)) progress.conversations++;
        await save(base);
      }
      await nextStep("sentMessages");
    }

    // What the memberships no longer lead to: messages they sent in conversations they had
    // left, found by the sender index. Ones erased above (or by an interrupted run) are
    // skipped by the erase's own condition, so each message is counted once.
    if (state.step === "sentMessages") {
      for (;;) {
        const page = await conversations.listAllSentBy(userId, { after: state.after, limit });
        for (const message of page.items) {
          if (await conversations.eraseMessage(message)) progress.messages++;
        }
        if (!page.lastKey) break;
        await save({ ...state, after: page.lastKey });
      }
      await nextStep("rateLimits");
    }

    if (state.step === "rateLimits") {
      progress.rateLimits += await rateLimits.removeRecentWindows(userId, deps.rateLimits);
      await nextStep("notifications");
    }

    // Their in-app feed and its unread counter, and the events held for their digests (one
    // Query each, batched deletes; safe to repeat). A digest scheduled for them finds nothing.
    if (state.step === "notifications") {
      progress.notifications += await notifications.removeAllForUser(userId);
      await heldNotifications.removeAllForUser(userId);
      await nextStep("feedMentions");
    }

    /**
     * Rewrites, page by page from the checkpoint, the entries of `source` that name the member
     * (found by its actor index); the rewrite's condition makes a page done twice count once.
     */
    async function forgetMentions<K>(source: {
      listByActor(
        actorId: string,
        page: { after: typeof state.after; limit: number },
      ): Promise<{
        items: K[];
        lastKey?: typeof state.after | undefined;
      }>;
      forgetActor(key: K): Promise<boolean>;
    }): Promise<number> {
      let forgotten = 0;
      for (;;) {
        const page = await source.listByActor(userId, { after: state.after, limit });
        const outcomes = await Promise.all(page.items.map((key) => source.forgetActor(key)));
        forgotten += outcomes.filter(Boolean).length;
        if (!page.lastKey) return forgotten;
        await save({ ...state, after: page.lastKey });
      }
    }

    // Their name and previews in the others' feeds, found by the actor index: shown as a
    // former member, preview gone. Rewritten entries stay listed; the rewrite's condition
    // makes a page done twice count once.
    if (state.step === "feedMentions") {
      progress.feedMentions += await forgetMentions(notifications);
      await nextStep("digestMentions");
    }

    // The same for events of theirs held for the others' digests, before the digests go out.
    if (state.step === "digestMentions") {
      progress.digestMentions += await forgetMentions(heldNotifications);
      await nextStep("connections");
    }

    // Their open WebSocket connections are closed, then their records and subscriptions go:
    // no push finds them any more. (One already gone closes as "gone"; a failure retries the step.)
    if (state.step === "connections") {
      const open = await connections.connectionsOf(userId);
      await Promise.all(open.map(({ connectionId }) => deps.connectionsApi.close(connectionId)));
      progress.connections += await connections.removeAllForUser(userId);
      await nextStep("storedResponses");
    }

    // The responses the API stored for their Idempotency-Key retries (whole bodies).
    if (state.step === "storedResponses") {
      progress.storedResponses += await storedResponses.removeAllForUser(userId);
      await nextStep("profile");
    }

    // The profile is replaced by the member's tombstone, which no later write can undo (a
    // late stream record, a sign-in, an unexpired token). The tombstone appearing on the
    // UserProfiles stream is what makes the attachments processor delete the member's data
    // exports and profile photos: this worker holds no S3 client.
    if (state.step === "profile") {
      if (await profiles.tombstone(userId)) progress.profile = 1;
      await nextStep("account");
    }

    if (state.step === "account") {
      // The member's unexpired tokens are refused from here on (within the list's cache age).
      await deps.repositories.revocations.recordRevocation(userId, "deleted");
      if (await deps.userAccounts.deleteUser(state.cognitoUsername)) progress.account = 1;
      await nextStep("done");
    }

    return { deleted: { ...progress } };
  };
}
