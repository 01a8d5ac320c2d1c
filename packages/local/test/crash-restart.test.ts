import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  AdminCreateUserCommand,
  AdminGetUserCommand,
  CognitoIdentityProviderClient,
} from "@aws-sdk/client-cognito-identity-provider";
import { CreateTableCommand, GetItemCommand, PutItemCommand } from "@aws-sdk/client-dynamodb";
import { freePort, localClient } from "@hearth/domain/testing";
import { afterAll, describe, expect, it } from "vitest";
import { configFromEnv, REPO_ROOT } from "../src/config.js";
import { readOutputs, type StackOutputs } from "../src/outputs.js";

/**
 * `pnpm dev` killed the way a crash kills it: SIGKILL to its whole process group (the stack and
 * the engines it started, cognito-local and DynamoDB Local among them) while users are being
 * created in parallel through Cognito's admin API and rows written to DynamoDB. Started again on
 * the same data directory, it must come up, and everything acknowledged before the kill must be
 * there. Two real stack starts: slower than the other tests here (seconds on an idle machine).
 */
const dataDir = mkdtempSync(join(tmpdir(), "hearth-crash-restart-"));
const outputsFile = join(dataDir, "outputs.json");
const USERS = 80;
/** The kill comes once this many creations were acknowledged: the rest are in flight. */
const KILL_AFTER = 25;
const START_TIMEOUT_MS = 180_000;
let stack: ChildProcess | undefined;
let output = "";

afterAll(async () => {
  if (stack) await stopGracefully(stack);
  rmSync(dataDir, { recursive: true, force: true });
});

/** `pnpm dev` in its own process group (so the group can be killed at once), on free ports. */
async function startDev(): Promise<{ child: ChildProcess; outputs: StackOutputs }> {
  const env: NodeJS.ProcessEnv = { ...process.env, HEARTH_LOCAL_DIR: dataDir };
  // Its own DynamoDB Local, with its data under the data directory: that is what must survive.
  delete env.DYNAMODB_ENDPOINT;
  for (const { envVar } of Object.values(configFromEnv({}).ports)) env[envVar] = String(await freePort());
  rmSync(outputsFile, { force: true });
  const child = spawn(process.execPath, ["--import", "tsx", join("packages", "local", "bin", "dev.ts")], {
    cwd: REPO_ROOT,
    env,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  output = "";
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-6000);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  // The outputs file is the last thing a start writes.
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (!existsSync(outputsFile)) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`pnpm dev exited while starting:\n${output}`);
    }
    if (Date.now() > deadline) throw new Error(`pnpm dev did not start in time:\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return { child, outputs: readOutputs(outputsFile) };
}

const exited = (child: ChildProcess) =>
  child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve()
    : new Promise<void>((resolve) => child.once("exit", () => resolve()));

/** kill -9 of the whole group: no signal handler, no cleanup, every engine at the same instant. */
async function crash(child: ChildProcess): Promise<void> {
  process.kill(-child.pid!, "SIGKILL");
  await exited(child);
}

async function stopGracefully(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill("SIGTERM");
  const timer = setTimeout(() => process.kill(-child.pid!, "SIGKILL"), 30_000);
  await exited(child);
  clearTimeout(timer);
}

function clientsFor(outputs: StackOutputs) {
  return {
    cognito: new CognitoIdentityProviderClient({
      endpoint: outputs.CognitoEndpoint,
      region: outputs.Region,
      credentials: { accessKeyId: "local", secretAccessKey: "local" },
      // One attempt: a call the kill cut off must not be retried into the next stack.
      maxAttempts: 1,
    }),
    dynamo: localClient(outputs.DynamoDbEndpoint!),
  };
}

describe("pnpm dev killed with -9 during concurrent user pool and DynamoDB writes", () => {
  it("starts again on its data with every acknowledged user and row", {
    timeout: 2 * START_TIMEOUT_MS + 60_000,
  }, async () => {
    const first = await startDev();
    stack = first.child;
    const before = clientsFor(first.outputs);
    const table = `crash-probe-${randomBytes(3).toString("hex")}`;
    await before.dynamo.send(
      new CreateTableCommand({
        TableName: table,
        BillingMode: "PAY_PER_REQUEST",
        AttributeDefinitions: [{ AttributeName: "pk", AttributeType: "S" }],
        KeySchema: [{ AttributeName: "pk", KeyType: "HASH" }],
      }),
    );

    const acknowledgedUsers: string[] = [];
    const acknowledgedRows: string[] = [];
    let killing: Promise<void> | undefined;
    let inFlightAtKill = 0;
    let settled = 0;
    const runId = randomBytes(3).toString("hex");
    // Every creation at once, each with a DynamoDB write beside it: cognito-local rewrites its
    // pool's file per user while earlier writes may still be under way.
    await Promise.allSettled(
      Array.from({ length: USERS }, async (_, index) => {
        const email = `crash-${runId}-${index}@e2e.hearth.test`;
        const [user, row] = await Promise.allSettled([
          before.cognito.send(
            new AdminCreateUserCommand({
              UserPoolId: first.outputs.UserPoolId,
              Username: email,
              MessageAction: "SUPPRESS",
              UserAttributes: [
                { Name: "email", Value: email },
                { Name: "email_verified", Value: "true" },
              ],
            }),
          ),
          before.dynamo.send(
            new PutItemCommand({ TableName: table, Item: { pk: { S: email }, index: { N: String(index) } } }),
          ),
        ]);
        settled++;
        // Only what was answered before the kill was sent counts as acknowledged.
        if (killing) return;
        if (user.status === "fulfilled") acknowledgedUsers.push(email);
        if (row.status === "fulfilled") acknowledgedRows.push(email);
        if (acknowledgedUsers.length >= KILL_AFTER) {
          inFlightAtKill = USERS - settled;
          killing = crash(first.child);
        }
      }),
    );
    await killing;
    before.cognito.destroy();
    before.dynamo.destroy();
    // The kill came mid-way: some creations were answered, others were still running.
    expect(acknowledgedUsers.length).toBeGreaterThanOrEqual(KILL_AFTER);
    expect(inFlightAtKill).toBeGreaterThan(0);

    const second = await startDev();
    stack = second.child;
    // The same user pool, not a new one created over a state it could not read.
    expect(second.outputs.UserPoolId).toBe(first.outputs.UserPoolId);
    const after = clientsFor(second.outputs);
    try {
      const missingUsers: string[] = [];
      const missingRows: string[] = [];
      for (const email of acknowledgedUsers) {
        const found = await after.cognito
          .send(new AdminGetUserCommand({ UserPoolId: second.outputs.UserPoolId, Username: email }))
          .then(() => true)
          .catch(() => false);
        if (!found) missingUsers.push(email);
      }
      for (const email of acknowledgedRows) {
        const { Item } = await after.dynamo.send(
          new GetItemCommand({ TableName: table, Key: { pk: { S: email } }, ConsistentRead: true }),
        );
        if (!Item) missingRows.push(email);
      }
      expect(missingUsers).toEqual([]);
      expect(missingRows).toEqual([]);
    } finally {
      after.cognito.destroy();
      after.dynamo.destroy();
    }
  });
});
