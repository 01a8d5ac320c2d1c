import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  CognitoIdentityProviderClient,
  InitiateAuthCommand,
} from "@aws-sdk/client-cognito-identity-provider";
import { cognitoMemberGroups, memberGroupsFromEnv } from "@hearth/api-handlers";
import { deleteTables } from "@hearth/domain";
import { createTestDatabase, freePort, type TestDatabase } from "@hearth/domain/testing";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { startCognito } from "../src/engines.js";
import { ProcessGroup } from "../src/processes.js";
import { createUser, ensureUserPool } from "../src/provision.js";
import { DEMO_USERS, seedDemoData } from "../src/seed.js";

const group = new ProcessGroup();
const dataDir = mkdtempSync(join(tmpdir(), "hearth-local-provision-"));
let cognito: CognitoIdentityProviderClient;
let cognitoEndpoint: string;
let db: TestDatabase;

beforeAll(async () => {
  const [endpoint, database] = await Promise.all([
    startCognito(group, { host: "127.0.0.1", port: await freePort() }, dataDir),
    createTestDatabase(inject("dynamoEndpoint"), "local-seed"),
  ]);
  db = database;
  cognitoEndpoint = endpoint;
  cognito = new CognitoIdentityProviderClient({
    endpoint,
    region: "us-east-1",
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
  });
});

afterAll(async () => {
  cognito?.destroy();
  if (db) {
    await deleteTables(db.client, db.prefix);
    db.client.destroy();
  }
  await group.stopAll();
  rmSync(dataDir, { recursive: true, force: true });
});

const groupsInIdToken = async (clientId: string, email: string, password: string) => {
  const auth = await cognito.send(
    new InitiateAuthCommand({
      AuthFlow: "USER_PASSWORD_AUTH",
      ClientId: clientId,
      AuthParameters: { USERNAME: email, PASSWORD: password },
    }),
  );
  const token = auth.AuthenticationResult!.IdToken!;
  return JSON.parse(Buffer.from(token.split(".")[1]!, "base64url").toString())["cognito:groups"];
};

describe("user pool provisioning", () => {
  it("reuses the pool, client and groups on a second start, keeping group members", async () => {
    const first = await ensureUserPool(cognito, "again-pool", "again-client");
    expect(first.created).toBe(true);
    const user = { email: "ada@example.com", password: "Test-password-1234", name: "Ada" };
    await createUser(cognito, first.userPoolId, { ...user, groups: ["ApprovedUsers", "Admins"] });

    const second = await ensureUserPool(cognito, "again-pool", "again-client");
    expect(second).toEqual({ ...first, created: false });
    // cognito-local's CreateGroup replaces an existing group with an empty one: a second
    // start must not call it for groups that exist, or every member loses access.
    expect(await groupsInIdToken(second.userPoolClientId, user.email, user.password)).toEqual([
      "Admins",
      "ApprovedUsers",
    ]);
  });
});

describe("the admin function's user pool groups (cognito-local)", () => {
  it("adds an approved person to ApprovedUsers, again without harm, and names a missing user", async () => {
    const pool = await ensureUserPool(cognito, "approve-pool", "web");
    const user = { email: "newcomer@example.com", password: "Test-password-1234", name: "New" };
    await createUser(cognito, pool.userPoolId, { ...user, groups: [] });
    expect(await groupsInIdToken(pool.userPoolClientId, user.email, user.password)).toBeUndefined();

    // Built the way the admin area's builder builds it, from its environment.
    const memberGroups = memberGroupsFromEnv({
      STAGE: "dev",
      USER_POOL_ID: pool.userPoolId,
      COGNITO_ENDPOINT: cognitoEndpoint,
      AWS_REGION: "us-east-1",
    });
    await memberGroups.addToMembers(user.email);
    await memberGroups.addToMembers(user.email);
    expect(await groupsInIdToken(pool.userPoolClientId, user.email, user.password)).toEqual([
      "ApprovedUsers",
    ]);

    await expect(
      cognitoMemberGroups(cognito, pool.userPoolId).addToMembers("nobody@example.com"),
    ).rejects.toMatchObject({
      code: "NOT_FOUND",
    });
  });

  it("refuses a local Cognito endpoint in production", () => {
    expect(() =>
      memberGroupsFromEnv({
        STAGE: "prod",
        USER_POOL_ID: "eu-west-1_x",
        COGNITO_ENDPOINT: cognitoEndpoint,
      }),
    ).toThrow(/COGNITO_ENDPOINT/);
    expect(() => memberGroupsFromEnv({ STAGE: "dev" })).toThrow(/USER_POOL_ID/);
  });
});

describe("demo data", () => {
  it("seeds the content once, even when a new pool starts on tables that already have it", async () => {
    const firstPool = await ensureUserPool(cognito, "seed-pool-1", "web");
    // A first start interrupted after creating one demo user: seeding again finishes the job.
    await createUser(cognito, firstPool.userPoolId, DEMO_USERS.member);
    expect(await seedDemoData(cognito, firstPool.userPoolId, db.repositories)).toEqual({ content: true });
    expect(await seedDemoData(cognito, firstPool.userPoolId, db.repositories)).toEqual({ content: false });
    const secondPool = await ensureUserPool(cognito, "seed-pool-2", "web");
    expect(await seedDemoData(cognito, secondPool.userPoolId, db.repositories)).toEqual({ content: false });

    const christmas = await db.repositories.comments.listByItem("/2015/christmas", { limit: 50 });
    expect(christmas.items.map((comment) => comment.commentText)).toEqual([
      "The year the tree fell over!",
      "I still have the photo.",
    ]);
    // The new pool still has working demo accounts with their groups.
    const { email, password } = DEMO_USERS.member;
    expect(await groupsInIdToken(secondPool.userPoolClientId, email, password)).toEqual(["ApprovedUsers"]);
  });
});
