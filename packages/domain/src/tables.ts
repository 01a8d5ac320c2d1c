import {
  CreateTableCommand,
  type CreateTableCommandInput,
  DeleteTableCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  ResourceInUseException,
  ResourceNotFoundException,
  UpdateTableCommand,
  UpdateTimeToLiveCommand,
  waitUntilTableExists,
  waitUntilTableNotExists,
} from "@aws-sdk/client-dynamodb";

/**
 * The table specs: the one place keys, indexes, streams and TTL are declared. The CDK
 * data stack, the local stack and the tests all build their tables from this list.
 */
export type AttributeType = "S" | "N";
export interface KeySpec {
  name: string;
  type: AttributeType;
}
export type Projection = { type: "ALL" } | { type: "KEYS_ONLY" } | { type: "INCLUDE"; attributes: string[] };
export interface IndexSpec {
  indexName: string;
  partitionKey: KeySpec;
  sortKey?: KeySpec;
  projection: Projection;
}
export type StreamViewType = "NEW_AND_OLD_IMAGES" | "NEW_IMAGE" | "OLD_IMAGE" | "KEYS_ONLY";
export interface TableSpec {
  /** Logical name; the physical name is `${prefix}${name}`. */
  name: TableName;
  /** Environment variable through which functions learn the physical name. */
  envVar: string;
  partitionKey: KeySpec;
  sortKey?: KeySpec;
  globalSecondaryIndexes?: IndexSpec[];
  stream?: StreamViewType;
  timeToLiveAttribute?: string;
}

export type TableName =
  | "UserProfiles"
  | "Comments"
  | "CommentReactions"
  | "CommentLocators"
  | "Messages"
  | "ConversationMembers"
  | "IdempotencyRecords"
  | "RateLimits"
  | "Jobs"
  | "Notifications"
  | "HeldNotifications"
  | "Connections"
  | "Revocations"
  | "MemberNames";

export const TABLE_SPECS = [
  {
    name: "UserProfiles",
    envVar: "USER_PROFILES_TABLE",
    partitionKey: { name: "userId", type: "S" },
    globalSecondaryIndexes: [
      { indexName: "EmailIndex", partitionKey: { name: "email", type: "S" }, projection: { type: "ALL" } },
      {
        // The member directory: sparse, only profiles whose `membership` is set are in it; the
        // `member` partition is the directory, `pending` the people waiting for approval.
        indexName: "MemberDirectoryIndex",
        partitionKey: { name: "membership", type: "S" },
        sortKey: { name: "directoryName", type: "S" },
        projection: { type: "ALL" },
      },
    ],
    // An approval (approvedAt appearing) sends the welcome email through the notifications processor.
    stream: "NEW_AND_OLD_IMAGES",
  },
  {
    name: "Comments",
    envVar: "COMMENTS_TABLE",
    partitionKey: { name: "itemId", type: "S" },
    sortKey: { name: "commentId", type: "S" },
    globalSecondaryIndexes: [
      {
        indexName: "UserCommentsIndex",
        partitionKey: { name: "userId", type: "S" },
        sortKey: { name: "createdAt", type: "S" },
        projection: { type: "ALL" },
      },
      {
        // A thread's replies, oldest first (sparse: only replies carry `threadId`), so the
        // item's list finds each thread's first replies and the replies route pages a thread,
        // one Query per page, without reading the item's other comments.
        indexName: "ThreadIndex",
        partitionKey: { name: "threadId", type: "S" },
        sortKey: { name: "commentId", type: "S" },
        projection: { type: "ALL" },
      },
    ],
    stream: "NEW_AND_OLD_IMAGES",
  },
  {
    name: "CommentReactions",
    envVar: "COMMENT_REACTIONS_TABLE",
    partitionKey: { name: "commentId", type: "S" },
    sortKey: { name: "userId", type: "S" },
    globalSecondaryIndexes: [
      {
        // A member's own reactions, oldest first: what their data export lists and their
        // account deletion takes back, one Query page at a time.
        indexName: "UserReactionsIndex",
        partitionKey: { name: "userId", type: "S" },
        sortKey: { name: "createdAt", type: "S" },
        projection: { type: "ALL" },
      },
      {
        // A member's reactions to the replies of one thread (`userThread` = `<userId>#<threadId>`,
        // sparse: only reactions to replies carry it), by reply: an item's page reads the
        // viewer's reactions to its threads' first replies beside the replies themselves.
        indexName: "ThreadReactionsIndex",
        partitionKey: { name: "userThread", type: "S" },
        sortKey: { name: "commentId", type: "S" },
        projection: { type: "INCLUDE", attributes: ["kind"] },
      },
    ],
    stream: "NEW_AND_OLD_IMAGES",
  },
  {
    // Where a comment lives (its itemId) by commentId alone, written in the same transaction
    // as the comment, so a strongly consistent GetItem finds a comment the moment it exists
    // (a GSI would be eventually consistent). Also holds a copy of the comment's reaction
    // count and deletion time, kept in step in the same transactions.
    name: "CommentLocators",
    envVar: "COMMENT_LOCATORS_TABLE",
    partitionKey: { name: "commentId", type: "S" },
  },
  {
    name: "Messages",
    envVar: "MESSAGES_TABLE",
    partitionKey: { name: "conversationId", type: "S" },
    sortKey: { name: "messageId", type: "S" },
    globalSecondaryIndexes: [
      {
        // Every message a member sent, in every conversation, including the ones they have
        // left (no membership row leads there any more): what their account deletion erases.
        // Keys only, costs no write on the send path beyond the index's own.
        indexName: "SenderMessagesIndex",
        partitionKey: { name: "senderId", type: "S" },
        sortKey: { name: "messageId", type: "S" },
        projection: { type: "KEYS_ONLY" },
      },
    ],
    stream: "NEW_AND_OLD_IMAGES",
  },
  {
    name: "ConversationMembers",
    envVar: "CONVERSATION_MEMBERS_TABLE",
    partitionKey: { name: "userId", type: "S" },
    sortKey: { name: "conversationId", type: "S" },
    globalSecondaryIndexes: [
      {
        indexName: "RecentConversationsIndex",
        partitionKey: { name: "userId", type: "S" },
        sortKey: { name: "lastMessageAt", type: "S" },
        projection: { type: "ALL" },
      },
    ],
  },
  {
    // Powertools idempotency records (key `id`, TTL `expiration`): the stream processors' per
    // record, and the API's idempotent POSTs under the prefix `hearth-api`.
    name: "IdempotencyRecords",
    envVar: "IDEMPOTENCY_TABLE",
    partitionKey: { name: "id", type: "S" },
    globalSecondaryIndexes: [
      {
        // The API's stored responses of one member (`ownerId`, sparse: the processors' records
        // have none): what their account deletion removes before the records expire.
        indexName: "OwnerIndex",
        partitionKey: { name: "ownerId", type: "S" },
        projection: { type: "KEYS_ONLY" },
      },
    ],
    timeToLiveAttribute: "expiration",
  },
  {
    // Per-member write counters, one item per member, limit kind and fixed window
    // (`<userId>#<kind>#<windowStart>`); the window's end is its TTL, and a new window is a new key.
    name: "RateLimits",
    envVar: "RATE_LIMITS_TABLE",
    partitionKey: { name: "windowKey", type: "S" },
    timeToLiveAttribute: "expiresAt",
  },
  {
    // A member's export and deletion jobs, one partition per member: a GetItem by
    // the caller's own id and the jobId is the "own jobs only" check. Beside the jobs sits one
    // marker item per kind with an active job (`jobId` = `active#<kind>`), which makes creation
    // idempotent. Finished jobs expire (TTL); the stream starts the worker.
    name: "Jobs",
    envVar: "JOBS_TABLE",
    partitionKey: { name: "userId", type: "S" },
    sortKey: { name: "jobId", type: "S" },
    stream: "NEW_AND_OLD_IMAGES",
    timeToLiveAttribute: "expiresAt",
  },
  {
    // The in-app feed: one item per recipient and event, `notificationId` = `<createdAt>#<hash of
    // the stream record's eventID>` (sorts by time; a redelivered record maps to the same key).
    // Each member's unread counter is the item `#unread` in their partition (sorts before every id).
    name: "Notifications",
    envVar: "NOTIFICATIONS_TABLE",
    partitionKey: { name: "userId", type: "S" },
    sortKey: { name: "notificationId", type: "S" },
    globalSecondaryIndexes: [
      {
        // The entries others got about what a member did (`actorId`, sparse: the counter has
        // none): what their account deletion rewrites to show a former member, no preview.
        indexName: "ActorIndex",
        partitionKey: { name: "actorId", type: "S" },
        sortKey: { name: "notificationId", type: "S" },
        projection: { type: "KEYS_ONLY" },
      },
    ],
    // New entries are pushed to the recipient's open WebSocket connections (the realtime fanout).
    stream: "NEW_AND_OLD_IMAGES",
    timeToLiveAttribute: "expiresAt",
  },
  {
    // Open WebSocket connections and their item subscriptions, two kinds of item:
    // a connection in its member's partition (`user#<userId>` / `connection#<connectionId>`,
    // holding the itemIds it subscribed to), so every push to a member is one Query; and one
    // item per subscription in the item's partition (`item#<itemId>` / `connection#<id>`), so
    // the subscribers of a comment thread are one Query, no Scan and no index. The connection
    // is found by its member's id, which every route has from the authorizer's context. All
    // items expire (TTL) when API Gateway closes a connection anyway: two hours after connecting.
    name: "Connections",
    envVar: "CONNECTIONS_TABLE",
    partitionKey: { name: "pk", type: "S" },
    sortKey: { name: "sk", type: "S" },
    timeToLiveAttribute: "expiresAt",
  },
  {
    // Email events held for a window's digest: one partition per recipient,
    // `heldKey` = `<kind>#<windowStart>#<notificationId>` per held event, and beside them one
    // state item per window (`<kind>#<windowStart>`, no trailing `#`) that records who
    // scheduled its digest and the digest's claim. Expire two days after their window.
    name: "HeldNotifications",
    envVar: "HELD_NOTIFICATIONS_TABLE",
    partitionKey: { name: "userId", type: "S" },
    sortKey: { name: "heldKey", type: "S" },
    globalSecondaryIndexes: [
      {
        // The held events a member's actions caused in others' digests (`actorId`, sparse:
        // window state items have none): what their account deletion rewrites.
        indexName: "ActorIndex",
        partitionKey: { name: "actorId", type: "S" },
        sortKey: { name: "heldKey", type: "S" },
        projection: { type: "KEYS_ONLY" },
      },
    ],
    timeToLiveAttribute: "expiresAt",
  },
  {
    // Whose tokens stop working before they expire (revoked, taken out of the groups, deleted):
    // one small partition (`list` = `revoked`, one item per person) that every API function and
    // the WebSocket authorizer read whole, at most once a minute per container. An entry
    // expires once every token issued before it has. The stream tells the realtime fanout to
    // close the person's open connections.
    name: "Revocations",
    envVar: "REVOCATIONS_TABLE",
    partitionKey: { name: "list", type: "S" },
    sortKey: { name: "userId", type: "S" },
    timeToLiveAttribute: "expiresAt",
    stream: "NEW_AND_OLD_IMAGES",
  },
  {
    // The mention picker's name index: per current member one item per word of their name
    // (`nameKey` = the folded name from that word on, see rules/member-names.ts), kept in step
    // with their profile by the directory processor. `NamePrefixIndex` (sparse: `directory` =
    // `member` on every item) is what `GET /members?prefix=` queries with begins_with, one
    // Query per page; the table's own key finds a member's items to replace on a rename or
    // remove when they stop being a member.
    name: "MemberNames",
    envVar: "MEMBER_NAMES_TABLE",
    partitionKey: { name: "userId", type: "S" },
    sortKey: { name: "nameKey", type: "S" },
    globalSecondaryIndexes: [
      {
        indexName: "NamePrefixIndex",
        partitionKey: { name: "directory", type: "S" },
        sortKey: { name: "nameKey", type: "S" },
        projection: { type: "ALL" },
      },
    ],
  },
] as const satisfies readonly TableSpec[];

/** The attribute of an API idempotency record naming the member whose response it stores. */
export const IDEMPOTENCY_OWNER_ATTRIBUTE = "ownerId";

export type TableNames = Record<TableName, string>;

export function tableSpec(name: TableName): TableSpec {
  const spec = TABLE_SPECS.find((s) => s.name === name);
  if (!spec) throw new Error(`Unknown table ${name}`);
  return spec as TableSpec;
}

export function tableNamesWithPrefix(prefix: string): TableNames {
  return Object.fromEntries(TABLE_SPECS.map((spec) => [spec.name, `${prefix}${spec.name}`])) as TableNames;
}

/**
 * Physical table names from the function's environment. A function is told only the tables its
 * manifest names, so the others are absent: reading one of those is a clear error naming the
 * variable (a table used without being declared), and an environment with no table at all is
 * refused at start-up.
 */
export function tableNamesFromEnv(env: NodeJS.ProcessEnv = process.env): TableNames {
  if (!TABLE_SPECS.some((spec) => env[spec.envVar])) {
    throw new Error(
      `Missing table name environment variable(s): none of ${TABLE_SPECS.map((s) => s.envVar).join(", ")} is set`,
    );
  }
  const names = {} as TableNames;
  for (const spec of TABLE_SPECS) {
    const value = env[spec.envVar];
    Object.defineProperty(names, spec.name, {
      enumerable: Boolean(value),
      get: () => {
        if (value) return value;
        throw new Error(
          `Missing table name environment variable ${spec.envVar}: ${spec.name} is not among this function's tables (its manifest)`,
        );
      },
    });
  }
  return names;
}

/** The environment variables that hand `names` to a function (the inverse of tableNamesFromEnv). */
export function tableEnvironment(names: TableNames): Record<string, string> {
  return Object.fromEntries(TABLE_SPECS.map((spec) => [spec.envVar, names[spec.name]]));
}

function projectionInput(projection: Projection) {
  return projection.type === "INCLUDE"
    ? { ProjectionType: "INCLUDE" as const, NonKeyAttributes: projection.attributes }
    : { ProjectionType: projection.type };
}

export function createTableInput(spec: TableSpec, physicalName: string): CreateTableCommandInput {
  const keys = [
    spec.partitionKey,
    spec.sortKey,
    ...(spec.globalSecondaryIndexes ?? []).flatMap((i) => [i.partitionKey, i.sortKey]),
  ];
  const attributeTypes = new Map<string, AttributeType>();
  for (const key of keys) if (key) attributeTypes.set(key.name, key.type);
  return {
    TableName: physicalName,
    BillingMode: "PAY_PER_REQUEST",
    AttributeDefinitions: [...attributeTypes].map(([AttributeName, AttributeType]) => ({
      AttributeName,
      AttributeType,
    })),
    KeySchema: [
      { AttributeName: spec.partitionKey.name, KeyType: "HASH" },
      ...(spec.sortKey ? [{ AttributeName: spec.sortKey.name, KeyType: "RANGE" as const }] : []),
    ],
    GlobalSecondaryIndexes: spec.globalSecondaryIndexes?.map((index) => ({
      IndexName: index.indexName,
      KeySchema: [
        { AttributeName: index.partitionKey.name, KeyType: "HASH" as const },
        ...(index.sortKey ? [{ AttributeName: index.sortKey.name, KeyType: "RANGE" as const }] : []),
      ],
      Projection: projectionInput(index.projection),
    })),
    StreamSpecification: spec.stream ? { StreamEnabled: true, StreamViewType: spec.stream } : undefined,
  };
}

/** Creates every table under `prefix` (existing ones are left as they are) and waits until all are active. */
export async function createTables(client: DynamoDBClient, prefix: string): Promise<TableNames> {
  const names = tableNamesWithPrefix(prefix);
  await Promise.all(
    TABLE_SPECS.map(async (spec: TableSpec) => {
      const physicalName = names[spec.name];
      let existed = false;
      try {
        await client.send(new CreateTableCommand(createTableInput(spec, physicalName)));
      } catch (error) {
        if (!(error instanceof ResourceInUseException)) throw error;
        existed = true;
      }
      await waitUntilTableExists({ client, maxWaitTime: 60, minDelay: 1 }, { TableName: physicalName });
      // A table made before its spec had an index (kept data of a local stack) gets it now.
      if (existed) await addMissingIndexes(client, spec, physicalName);
      // A table made before its spec had a stream (kept data of a local stack) gets it now.
      if (existed && spec.stream && !(await streamArnOf(client, physicalName))) {
        await client.send(
          new UpdateTableCommand({
            TableName: physicalName,
            StreamSpecification: { StreamEnabled: true, StreamViewType: spec.stream },
          }),
        );
        await waitUntilTableExists({ client, maxWaitTime: 60, minDelay: 1 }, { TableName: physicalName });
      }
      if (spec.timeToLiveAttribute) {
        try {
          await client.send(
            new UpdateTimeToLiveCommand({
              TableName: physicalName,
              TimeToLiveSpecification: { Enabled: true, AttributeName: spec.timeToLiveAttribute },
            }),
          );
        } catch (error) {
          // Enabling TTL twice is a ValidationException ("already enabled"): that is the idempotent case.
          if (!(error instanceof Error && /already enabled/i.test(error.message))) throw error;
        }
      }
    }),
  );
  return names;
}

async function addMissingIndexes(
  client: DynamoDBClient,
  spec: TableSpec,
  physicalName: string,
): Promise<void> {
  const output = await client.send(new DescribeTableCommand({ TableName: physicalName }));
  const existing = new Set((output.Table?.GlobalSecondaryIndexes ?? []).map((index) => index.IndexName));
  const wanted = createTableInput(spec, physicalName);
  for (const index of wanted.GlobalSecondaryIndexes ?? []) {
    if (existing.has(index.IndexName)) continue;
    await client.send(
      new UpdateTableCommand({
        TableName: physicalName,
        AttributeDefinitions: wanted.AttributeDefinitions,
        GlobalSecondaryIndexUpdates: [{ Create: index }],
      }),
    );
    await waitUntilTableExists({ client, maxWaitTime: 60, minDelay: 1 }, { TableName: physicalName });
  }
}

export async function deleteTables(client: DynamoDBClient, prefix: string): Promise<void> {
  const names = tableNamesWithPrefix(prefix);
  await Promise.all(
    TABLE_SPECS.map(async (spec) => {
      const physicalName = names[spec.name];
      try {
        await client.send(new DeleteTableCommand({ TableName: physicalName }));
      } catch (error) {
        if (error instanceof ResourceNotFoundException) return;
        throw error;
      }
      await waitUntilTableNotExists({ client, maxWaitTime: 60, minDelay: 1 }, { TableName: physicalName });
    }),
  );
}

/** The stream ARN of a table, for stream readers (local pollers, tests). */
export async function streamArnOf(client: DynamoDBClient, physicalName: string): Promise<string | undefined> {
  const output = await client.send(new DescribeTableCommand({ TableName: physicalName }));
  return output.Table?.LatestStreamArn;
}
