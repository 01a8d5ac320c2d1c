import {
  CreateTableCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  ListTablesCommand,
} from "@aws-sdk/client-dynamodb";
import { describe, expect, inject, it } from "vitest";
import {
  createTableInput,
  createTables,
  deleteTables,
  TABLE_SPECS,
  tableEnvironment,
  tableNamesFromEnv,
} from "../src/tables.js";
import { localClient } from "../src/testing/index.js";

describe("table specs", () => {
  it("declare the five tables of the design with their keys, indexes and streams", () => {
    const byName = Object.fromEntries(TABLE_SPECS.map((spec) => [spec.name, spec]));
    expect(Object.keys(byName)).toEqual(
      expect.arrayContaining([
        "UserProfiles",
        "Comments",
        "CommentReactions",
        "Messages",
        "ConversationMembers",
      ]),
    );
    const comments = createTableInput(byName.Comments!, "Comments");
    expect(comments.KeySchema).toEqual([
      { AttributeName: "itemId", KeyType: "HASH" },
      { AttributeName: "commentId", KeyType: "RANGE" },
    ]);
    expect(comments.GlobalSecondaryIndexes?.map((i) => [i.IndexName, i.Projection?.ProjectionType])).toEqual([
      ["UserCommentsIndex", "ALL"],
      ["ThreadIndex", "ALL"],
    ]);
    expect(comments.StreamSpecification).toEqual({
      StreamEnabled: true,
      StreamViewType: "NEW_AND_OLD_IMAGES",
    });
    // Approvals reach the welcome email through the profiles' stream.
    expect(createTableInput(byName.UserProfiles!, "P").StreamSpecification).toEqual({
      StreamEnabled: true,
      StreamViewType: "NEW_AND_OLD_IMAGES",
    });
    expect(createTableInput(byName.ConversationMembers!, "P").StreamSpecification).toBeUndefined();
  });

  it("hand table names to functions through environment variables and read them back", () => {
    const names = Object.fromEntries(TABLE_SPECS.map((s) => [s.name, `x-${s.name}`])) as never;
    expect(tableNamesFromEnv(tableEnvironment(names))).toEqual(names);
    expect(() => tableNamesFromEnv({})).toThrow(/COMMENTS_TABLE/);
  });

  it("tell a function only its own tables: an undeclared one is an error naming its variable", () => {
    const names = tableNamesFromEnv({ COMMENTS_TABLE: "c", USER_PROFILES_TABLE: "p" });
    expect(names.Comments).toBe("c");
    expect(Object.keys(names).sort()).toEqual(["Comments", "UserProfiles"]);
    expect(() => names.Messages).toThrow(/MESSAGES_TABLE.*not among this function's tables/);
  });
});

describe("createTables / deleteTables on DynamoDB Local", () => {
  it("creates every table with streams and TTL, tolerates a second run, and deletes them", async () => {
    const client = localClient(inject("dynamoEndpoint"));
    const prefix = `tables-${Date.now()}-`;
    const names = await createTables(client, prefix);
    await createTables(client, prefix); // idempotent
    const comments = await client.send(new DescribeTableCommand({ TableName: names.Comments }));
    expect(comments.Table?.StreamSpecification?.StreamViewType).toBe("NEW_AND_OLD_IMAGES");
    expect(comments.Table?.LatestStreamArn).toBeTruthy();
    const ttl = await client.send(new DescribeTimeToLiveCommand({ TableName: names.IdempotencyRecords }));
    expect(ttl.TimeToLiveDescription?.AttributeName).toBe("expiration");

    await deleteTables(client, prefix);
    await deleteTables(client, prefix); // nothing left is fine
    const left = await client.send(new ListTablesCommand({}));
    expect(left.TableNames?.filter((n) => n.startsWith(prefix))).toEqual([]);
    client.destroy();
  });

  it("gives a table made before its spec had a stream (a kept local stack) its stream", async () => {
    const client = localClient(inject("dynamoEndpoint"));
    const prefix = `streamless-${Date.now()}-`;
    const spec = TABLE_SPECS.find((candidate) => candidate.name === "UserProfiles")!;
    const { StreamSpecification: _, ...streamless } = createTableInput(spec, `${prefix}UserProfiles`);
    await client.send(new CreateTableCommand(streamless));
    const names = await createTables(client, prefix);
    const profiles = await client.send(new DescribeTableCommand({ TableName: names.UserProfiles }));
    expect(profiles.Table?.StreamSpecification?.StreamViewType).toBe("NEW_AND_OLD_IMAGES");
    expect(profiles.Table?.LatestStreamArn).toBeTruthy();
    await deleteTables(client, prefix);
    client.destroy();
  });

  it("gives a table made before its spec had an index (a kept local stack) the index", async () => {
    const client = localClient(inject("dynamoEndpoint"));
    const prefix = `indexless-${Date.now()}-`;
    const spec = TABLE_SPECS.find((candidate) => candidate.name === "Messages")!;
    const { GlobalSecondaryIndexes: _, ...input } = createTableInput(spec, `${prefix}Messages`);
    await client.send(
      new CreateTableCommand({
        ...input,
        AttributeDefinitions: input.AttributeDefinitions?.filter((a) => a.AttributeName !== "senderId"),
      }),
    );
    const names = await createTables(client, prefix);
    const messages = await client.send(new DescribeTableCommand({ TableName: names.Messages }));
    expect(messages.Table?.GlobalSecondaryIndexes?.map((index) => index.IndexName)).toEqual([
      "SenderMessagesIndex",
    ]);
    await deleteTables(client, prefix);
    client.destroy();
  });
});
