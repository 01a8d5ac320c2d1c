import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  CognitoIdentityProviderClient,
  InitiateAuthCommand,
} from "@aws-sdk/client-cognito-identity-provider";
import { deleteTables } from "@hearth/domain";
import { freePort, localClient } from "@hearth/domain/testing";
import { afterAll, describe, expect, inject, it } from "vitest";
import { configFromEnv, type LocalStackConfig } from "../src/config.js";
import { readOutputs, type StackOutputs } from "../src/outputs.js";
import { assertPortFree } from "../src/ports.js";
import { createUser } from "../src/provision.js";
import { DEMO_USERS } from "../src/seed.js";
import { type RunningStack, startLocalStack } from "../src/stack.js";

const dataDir = mkdtempSync(join(tmpdir(), "hearth-local-stack-"));
const dynamoEndpoint = inject("dynamoEndpoint");
const tablePrefix = `stack-${randomBytes(3).toString("hex")}-`;
let running: RunningStack | undefined;

afterAll(async () => {
  await running?.stop();
  const dynamo = localClient(dynamoEndpoint);
  await deleteTables(dynamo, tablePrefix);
  dynamo.destroy();
  rmSync(dataDir, { recursive: true, force: true });
});

/** `pnpm dev` with DYNAMODB_ENDPOINT set: the shared test DynamoDB Local, tables under our prefix. */
async function stackConfig(): Promise<LocalStackConfig> {
  const config = configFromEnv({ HEARTH_LOCAL_DIR: dataDir, DYNAMODB_ENDPOINT: dynamoEndpoint });
  for (const setting of Object.values(config.ports)) setting.port = await freePort();
  return { ...config, tablePrefix };
}

async function demoMemberReadsChristmas(outputs: StackOutputs) {
  const cognito = new CognitoIdentityProviderClient({
    endpoint: outputs.CognitoEndpoint,
    region: outputs.Region,
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
  });
  try {
    const auth = await cognito.send(
      new InitiateAuthCommand({
        AuthFlow: "USER_PASSWORD_AUTH",
        ClientId: outputs.UserPoolClientId,
        AuthParameters: { USERNAME: DEMO_USERS.member.email, PASSWORD: DEMO_USERS.member.password },
      }),
    );
    const response = await fetch(`${outputs.ApiUrl}comments/%2F2015%2Fchristmas`, {
      headers: { Authorization: `Bearer ${auth.AuthenticationResult!.IdToken!}` },
    });
    return { status: response.status, body: (await response.json()) as { comments?: unknown[] } };
  } finally {
    cognito.destroy();
  }
}

async function inboxOf(outputs: StackOutputs, email: string, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const store = (await (await fetch(`${outputs.SesEndpoint}/store`)).json()) as {
      emails: Array<{ destination: { to: string[] }; subject: string }>;
    };
    const mails = store.emails.filter((mail) => mail.destination.to.includes(email));
    if (mails.length > 0 || Date.now() > deadline) return mails;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe("the local stack on an already running DynamoDB", () => {
  let first: StackOutputs;

  it("starts, writes the outputs file, seeds the demo family and emails from the streams", async () => {
    const config = await stackConfig();
    running = await startLocalStack(config);
    expect(running.seeded).toBe(true);
    first = running.outputs;
    const written = JSON.parse(readFileSync(join(dataDir, "outputs.json"), "utf8"));
    expect(Object.keys(written).sort()).toEqual(
      [
        "Region",
        "ApiUrl",
        "WebSocketUrl",
        "UserPoolId",
        "UserPoolClientId",
        "AttachmentsBucket",
        "CognitoEndpoint",
        "DynamoDbEndpoint",
        "SesEndpoint",
        "SesEventsEndpoint",
        "SchedulerEndpoint",
        "S3Endpoint",
      ].sort(),
    );
    expect(readOutputs(join(dataDir, "outputs.json"))).toEqual(first);
    expect(first.DynamoDbEndpoint).toBe(dynamoEndpoint);
    expect(first.WebSocketUrl).toBe(`ws://127.0.0.1:${config.ports.websocket.port}`);

    const read = await demoMemberReadsChristmas(first);
    expect(read.status).toBe(200);
    expect(read.body.comments).toHaveLength(2);
    // The seeded welcome message reaches the member's inbox through the stream poller.
    const mails = await inboxOf(first, DEMO_USERS.member.email);
    expect(mails.map((mail) => mail.subject)).toContain(`New message from ${DEMO_USERS.admin.name}`);

    await running.stop();
    running = undefined;
    for (const { port, envVar } of Object.values(config.ports)) {
      if (envVar !== "DYNAMODB_PORT")
        await expect(assertPortFree("127.0.0.1", port, envVar)).resolves.toBe(undefined);
    }
  });

  it("reuses everything on a second start and seeds nothing again", async () => {
    running = await startLocalStack(await stackConfig());
    expect(running.seeded).toBe(false);
    expect(running.outputs.UserPoolId).toBe(first.UserPoolId);
    expect(running.outputs.UserPoolClientId).toBe(first.UserPoolClientId);
    // The demo member is still an approved member, and the demo content is there once.
    const read = await demoMemberReadsChristmas(running.outputs);
    expect(read.status).toBe(200);
    expect(read.body.comments).toHaveLength(2);
  });

  it("runs the user pool's sign-in trigger: a new member is in the directory after signing in", async () => {
    const outputs = running!.outputs;
    const cognito = new CognitoIdentityProviderClient({
      endpoint: outputs.CognitoEndpoint,
      region: outputs.Region,
      credentials: { accessKeyId: "local", secretAccessKey: "local" },
    });
    try {
      const email = `newcomer-${randomBytes(3).toString("hex")}@hearth.local`;
      const password = "Hearth-newcomer-2024";
      await createUser(cognito, outputs.UserPoolId, {
        email,
        password,
        name: "Newcomer Nell",
        groups: ["ApprovedUsers"],
      });
      const auth = await cognito.send(
        new InitiateAuthCommand({
          AuthFlow: "USER_PASSWORD_AUTH",
          ClientId: outputs.UserPoolClientId,
          AuthParameters: { USERNAME: email, PASSWORD: password },
        }),
      );
      const response = await fetch(`${outputs.ApiUrl}members?limit=100`, {
        headers: { Authorization: `Bearer ${auth.AuthenticationResult!.IdToken!}` },
      });
      expect(response.status).toBe(200);
      const { members } = (await response.json()) as { members: { displayName: string }[] };
      expect(members.map((member) => member.displayName)).toEqual(
        expect.arrayContaining(["Newcomer Nell", DEMO_USERS.admin.name, DEMO_USERS.member.name]),
      );
    } finally {
      cognito.destroy();
    }
  });
});
