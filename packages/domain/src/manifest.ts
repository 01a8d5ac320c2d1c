import type { TableName } from "./tables.js";

/**
 * A function's manifest: what one Lambda function is and what it touches, declared once as
 * data next to its code. Infra derives the function's role, environment, event source
 * mappings and alarms from it, the local stack which functions run and which pollers feed
 * them, bundling what it carries, and the benchmarks which functions to measure. Nothing
 * else lists "who may do what".
 */
export interface FunctionManifest<Name extends string = string> {
  /** The function's name in every stack, bundle directory and log group (`api-comments`). */
  name: Name;
  kind: FunctionKind;
  /** Absolute path of the Lambda entry module (it exports `handler`). */
  entry: string;
  /** What it does, in a few words (the deployed function's description). */
  description: string;
  timeoutSeconds: number;
  memoryMb: number;
  /** The tables it touches and how; it is told these tables' names and no others. */
  tables: Partial<Record<TableName, TableAccess>>;
  /** Object rights on the files bucket, each on one key prefix, with the reason. */
  files?: readonly FilesAccess[];
  /** User-pool administration calls it makes, on the environment's pool only. */
  userPoolActions?: readonly UserPoolAction[];
  /** It sends email with SES SendEmail, as the environment's identity and configuration set. */
  sendsEmail?: true;
  /** Stream records it is fed: one event source mapping per table, with its filters. */
  subscriptions?: readonly StreamSubscription[];
  /** Where its mappings differ from the shared stream settings. */
  streamBatching?: Partial<StreamBatching>;
  /** The environment settings it reads (each arrives with the right to use it, see `SETTING_VARIABLES`). */
  settings: readonly Setting[];
}

/**
 * `api`: an area of the REST API; `stream`: fed by DynamoDB streams; `schedule`: invoked by
 * EventBridge Scheduler; `websocket`: behind the WebSocket API; `authorizer`: the WebSocket
 * `$connect` authorizer; `trigger`: a Cognito user-pool trigger; `notification`: an SNS subscriber.
 */
export type FunctionKind =
  | "api"
  | "stream"
  | "schedule"
  | "websocket"
  | "authorizer"
  | "trigger"
  | "notification";

/**
 * `read`: Get/BatchGet/Query/ConditionCheck; `readUpdate`: reads plus UpdateItem, for a function
 * that changes items only by atomic updates; `readWrite`: also Put, Delete and BatchWrite.
 */
export type TableAccess = "read" | "readUpdate" | "readWrite";

/** The key prefixes of the files bucket (attachments, profile photos, data exports). */
export type FilesPrefix = "attachments/" | "profile-photos/" | "exports/";
export type FilesAction =
  | "s3:GetObject"
  | "s3:PutObject"
  | "s3:DeleteObject"
  | "s3:PutObjectTagging"
  | "s3:AbortMultipartUpload"
  | "s3:ListBucket";

export interface FilesAccess {
  prefix: FilesPrefix;
  /** `s3:ListBucket` is granted on the bucket, limited to listing under the prefix. */
  actions: readonly FilesAction[];
  /** Why it needs these rights on the whole prefix (shown in the cdk-nag acknowledgement). */
  reason: string;
}

export type UserPoolAction =
  | "cognito-idp:AdminAddUserToGroup"
  | "cognito-idp:AdminRemoveUserFromGroup"
  | "cognito-idp:AdminUserGlobalSignOut"
  | "cognito-idp:AdminListGroupsForUser"
  | "cognito-idp:AdminDeleteUser";

/** A Lambda event filter pattern (the EventBridge pattern subset Lambda supports). */
export type FilterPattern = Record<string, unknown>;

export interface StreamSubscription {
  table: TableName;
  /** A record is delivered when it matches any of these patterns. */
  filterPatterns: readonly FilterPattern[];
}

export interface StreamBatching {
  batchSize: number;
  maxBatchingWindowSeconds: number;
  retryAttempts: number;
  maxRecordAgeSeconds: number;
  bisectBatchOnError: boolean;
}

/**
 * The environment settings a function may read. Each names the variables it fills; infra
 * sets them (and grants what the value gives access to) for the functions whose manifest
 * lists the setting, and the local stack gives every function its own the same way.
 */
export const SETTING_VARIABLES = {
  /** Origins browsers may call the API from. */
  allowedOrigins: ["ALLOWED_ORIGINS"],
  /** Per-member write limits (JSON overrides of the defaults). */
  rateLimits: ["RATE_LIMITS"],
  /** The ARN of the secret that signs cursors and unsubscribe links (GetSecretValue on it). */
  cursorSecret: ["CURSOR_SECRET_ARN"],
  /** The files bucket's name (attachments, profile photos, exports). */
  filesBucket: ["ATTACHMENTS_BUCKET"],
  /** The user pool's id. */
  userPool: ["USER_POOL_ID"],
  /** The user pool's web client id (the audience of ID tokens). */
  userPoolClient: ["USER_POOL_CLIENT_ID"],
  /** Who emails come from, the site they link to, the configuration set they go through. */
  email: ["SENDER_EMAIL", "SITE_URL", "SES_CONFIGURATION_SET"],
  /** The REST API's URL (unsubscribe links point at it). */
  apiUrl: ["API_URL"],
  /** How long notifications are held for a digest. */
  notificationWindow: ["NOTIFICATION_WINDOW_MINUTES"],
  /** Where digest schedules go and whom they invoke (CreateSchedule and PassRole on its role). */
  digestSchedules: [
    "DIGEST_SCHEDULE_GROUP",
    "DIGEST_SCHEDULER_ROLE_ARN",
    "DIGEST_FUNCTION_ARN",
    "DIGEST_DEAD_LETTER_ARN",
  ],
  /** Hosts a profile photo may link to instead of being uploaded (none by default). */
  photoHosts: ["PHOTO_HOSTS"],
  /** The WebSocket API's management endpoint (ManageConnections on its stage). */
  webSocketManagement: ["WEBSOCKET_MANAGEMENT_ENDPOINT"],
} as const satisfies Record<string, readonly string[]>;

export type Setting = keyof typeof SETTING_VARIABLES;

/** The tables `manifest` names, in a stable order. */
export function manifestTables(manifest: Pick<FunctionManifest, "tables">): TableName[] {
  return (Object.keys(manifest.tables) as TableName[]).sort();
}

/**
 * The service name a deployed function logs, traces and counts under
 * (`POWERTOOLS_SERVICE_NAME`): what an operator's tools read back to tell which function it is.
 */
export function serviceNameOf(manifest: Pick<FunctionManifest, "name">): string {
  return `hearth-${manifest.name}`;
}
