import { gateWrites } from "../dynamo/write-gate.js";
import { CommentsRepository } from "./comments.js";
import { ConnectionsRepository } from "./connections.js";
import type { RepositoryContext } from "./context.js";
import { ConversationsRepository } from "./conversations.js";
import { HeldNotificationsRepository } from "./held-notifications.js";
import { JobsRepository } from "./jobs.js";
import { MemberDataReader } from "./member-data.js";
import { MemberNamesRepository } from "./member-names.js";
import { NotificationsRepository } from "./notifications.js";
import { ProfilesRepository } from "./profiles.js";
import { RateLimitsRepository } from "./rate-limits.js";
import { ReactionsRepository } from "./reactions.js";
import { RevocationsRepository } from "./revocations.js";
import { StoredResponsesRepository } from "./stored-responses.js";

export interface Repositories {
  profiles: ProfilesRepository;
  comments: CommentsRepository;
  reactions: ReactionsRepository;
  conversations: ConversationsRepository;
  rateLimits: RateLimitsRepository;
  jobs: JobsRepository;
  memberData: MemberDataReader;
  memberNames: MemberNamesRepository;
  notifications: NotificationsRepository;
  heldNotifications: HeldNotificationsRepository;
  connections: ConnectionsRepository;
  revocations: RevocationsRepository;
  storedResponses: StoredResponsesRepository;
}

/** All repositories over one client and one set of tables. */
export function createRepositories(context: RepositoryContext): Repositories {
  // A request's writes can then wait for its rate limit and idempotency record (`writesAfter`).
  gateWrites(context.doc);
  const comments = new CommentsRepository(context);
  return {
    profiles: new ProfilesRepository(context),
    comments,
    reactions: new ReactionsRepository(context, comments),
    conversations: new ConversationsRepository(context),
    rateLimits: new RateLimitsRepository(context),
    jobs: new JobsRepository(context),
    memberData: new MemberDataReader(context),
    memberNames: new MemberNamesRepository(context),
    notifications: new NotificationsRepository(context),
    heldNotifications: new HeldNotificationsRepository(context),
    connections: new ConnectionsRepository(context),
    revocations: new RevocationsRepository(context),
    storedResponses: new StoredResponsesRepository(context),
  };
}

export { type CommentLocator, CommentsRepository, isDeleted, type NewComment } from "./comments.js";
export {
  CONNECT_HANDSHAKE_SECONDS,
  CONNECTION_TTL_SECONDS,
  type Connection,
  ConnectionLimitError,
  ConnectionsRepository,
  MAX_CONNECTIONS_PER_MEMBER,
  MAX_SUBSCRIPTIONS_PER_CONNECTION,
  type NewConnection,
  type Subscription,
  SubscriptionLimitError,
} from "./connections.js";
export { Repository, type RepositoryContext } from "./context.js";
export { ConversationReader } from "./conversation-reader.js";
export { ConversationsRepository, type NewConversation, type NewMessage } from "./conversations.js";
export {
  type DigestWindow,
  HELD_NOTIFICATION_RETENTION_SECONDS,
  type HeldNotification,
  HeldNotificationsRepository,
  type HoldOutcome,
} from "./held-notifications.js";
export { activeJobMarkerId, JobsRepository } from "./jobs.js";
export { MEMBER_DATA_PAGE_SIZE, MemberDataReader } from "./member-data.js";
export { type MemberNameEntry, MemberNamesRepository } from "./member-names.js";
export {
  type MarkReadTarget,
  type NewNotification,
  NOTIFICATION_TTL_SECONDS,
  type NotificationPage,
  NotificationsRepository,
  notificationIdFor,
  notificationPreview,
  UNREAD_COUNTER_ID,
} from "./notifications.js";
export { PhotoMarksRepository, UNCONFIRMED_PHOTO_KEY } from "./photo-marks.js";
export { MEMBER, type MembershipStatus, PENDING, ProfileReader, REVOKED } from "./profile-reader.js";
export {
  directoryNameOf,
  type NotificationSlotClaim,
  ProfilesRepository,
  type SignInIdentity,
} from "./profiles.js";
export { RateLimitsRepository, windowOf } from "./rate-limits.js";
export { ReactionsRepository, type ToggleResult } from "./reactions.js";
export { type RecordFailure, RecordFailuresRepository } from "./record-failures.js";
export { type RevocationReason, RevocationsRepository } from "./revocations.js";
export { SentEmailsRepository } from "./sent-emails.js";
export { StoredResponsesRepository } from "./stored-responses.js";
