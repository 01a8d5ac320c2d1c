import {
  GetSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
} from "@aws-sdk/client-secrets-manager";
import { CursorCodec, createRepositories, deleteTables } from "@hearth/domain";
import {
  CURSOR_KEYS_MAX_AGE_SECONDS,
  cursorKeySourceFromEnv,
  SecretsManagerCursorKeys,
} from "@hearth/domain/cursor-keys";
import { createTestDatabase, type TestDatabase } from "@hearth/domain/testing";
import { mockClient } from "aws-sdk-client-mock";
import { afterAll, beforeAll, describe, expect, inject, it, vi } from "vitest";
import { cursorKeyRefresher } from "../src/request-steps.js";
import { invoker, saveProfile, type TestUser, testDependencies, users } from "./helpers.js";

// There is no local Secrets Manager engine, so the secret's versions are mocked.
const SECRET_ARN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:hearth-test-cursor-AbCdEf";
const FIRST = "first-cursor-secret-0000000000000000";
const SECOND = "second-cursor-secret-000000000000000";
const THIRD = "third-cursor-secret-0000000000000000";

const secretsManager = mockClient(SecretsManagerClient);

/** The secret's versions by staging label; a label that is not there is ResourceNotFound, as in AWS. */
function secretWith(stages: { AWSCURRENT: string; AWSPREVIOUS?: string }) {
  secretsManager.reset();
  secretsManager.on(GetSecretValueCommand).callsFake((input: { SecretId: string; VersionStage?: string }) => {
    expect(input.SecretId).toBe(SECRET_ARN);
    const value = stages[(input.VersionStage ?? "AWSCURRENT") as keyof typeof stages];
    if (value === undefined) {
      throw new ResourceNotFoundException({
        message: `Secrets Manager can't find the specified secret value for staging label: ${input.VersionStage}`,
        $metadata: {},
      });
    }
    return { ARN: SECRET_ARN, SecretString: value };
  });
}

const callsFor = (stage: string) =>
  secretsManager
    .commandCalls(GetSecretValueCommand)
    .filter((call) => call.args[0].input.VersionStage === stage).length;

// Only Date is faked (the caches' clock), from before any secret is read, so max ages can be stepped over.
beforeAll(() => {
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(new Date());
});
afterAll(() => vi.useRealTimers());

describe("cursor keys from Secrets Manager", () => {
  const client = () => new SecretsManagerClient({ region: "eu-west-1" });

  it("reads the current and previous values, each by its own staging label", async () => {
    secretWith({ AWSCURRENT: SECOND, AWSPREVIOUS: FIRST });
    const keys = new SecretsManagerCursorKeys(SECRET_ARN, { client: client() });
    expect(await keys.load()).toEqual({ current: SECOND, previous: [FIRST] });
  });

  it("caches both for the max age, then picks up a rotation without a redeploy", async () => {
    secretWith({ AWSCURRENT: FIRST });
    const keys = new SecretsManagerCursorKeys(SECRET_ARN, { client: client() });
    expect(await keys.load()).toEqual({ current: FIRST, previous: [] });
    // The secret is rotated; within the max age the container keeps what it has, asking nothing.
    secretWith({ AWSCURRENT: SECOND, AWSPREVIOUS: FIRST });
    vi.advanceTimersByTime((CURSOR_KEYS_MAX_AGE_SECONDS - 1) * 1000);
    for (let i = 0; i < 5; i++) expect(await keys.load()).toEqual({ current: FIRST, previous: [] });
    expect(secretsManager.commandCalls(GetSecretValueCommand)).toHaveLength(0);
    vi.advanceTimersByTime(2000);
    expect(await keys.load()).toEqual({ current: SECOND, previous: [FIRST] });
    expect(await keys.load()).toEqual({ current: SECOND, previous: [FIRST] });
    expect(callsFor("AWSCURRENT")).toBe(1);
    expect(callsFor("AWSPREVIOUS")).toBe(1);
  });

  it("remembers that a never-rotated secret has no previous value instead of asking every request", async () => {
    secretWith({ AWSCURRENT: FIRST });
    const keys = new SecretsManagerCursorKeys(SECRET_ARN, { client: client() });
    for (let i = 0; i < 3; i++) await keys.load();
    expect(callsFor("AWSCURRENT")).toBe(1);
    expect(callsFor("AWSPREVIOUS")).toBe(1);
  });

  it("fails the load (a 500, logged) when Secrets Manager refuses, rather than signing with nothing", async () => {
    secretsManager.reset();
    secretsManager.on(GetSecretValueCommand).rejects(new Error("AccessDeniedException"));
    const keys = new SecretsManagerCursorKeys(SECRET_ARN, { client: client() });
    await expect(keys.load()).rejects.toThrow(/AccessDenied/);
  });

  it("uses the ARN when the environment names one, and CURSOR_SECRET otherwise", async () => {
    // The Secrets Manager client goes through `capture` (the tracer, in the API).
    const captured: SecretsManagerClient[] = [];
    const capture = (client: SecretsManagerClient) => {
      captured.push(client);
      return client;
    };
    expect(cursorKeySourceFromEnv({ CURSOR_SECRET_ARN: SECRET_ARN }, capture)).toBeInstanceOf(
      SecretsManagerCursorKeys,
    );
    expect(captured).toEqual([expect.any(SecretsManagerClient)]);
    expect(await cursorKeySourceFromEnv({ CURSOR_SECRET: THIRD }).load()).toEqual({ current: THIRD });
    expect(() => cursorKeySourceFromEnv({ STAGE: "prod" })).toThrow(
      /CURSOR_SECRET_ARN \(or CURSOR_SECRET\) must be set/,
    );
  });
});

describe("cursors through a rotation, at the API", () => {
  let db: TestDatabase;
  let call: ReturnType<typeof invoker>;
  const member = (id: string): TestUser => ({
    userId: `user-rot-${id}`,
    email: `${id}@example.org`,
    groups: ["ApprovedUsers"],
    name: `Rot ${id}`,
  });
  const firstPage = () => call("GET", "/members", { caller: users.alice, query: { limit: "1" } });
  const pageAfter = (cursor: string) =>
    call("GET", "/members", { caller: users.alice, query: { limit: "1", cursor } });

  beforeAll(async () => {
    db = await createTestDatabase(inject("dynamoEndpoint"), "cursor-rotation");
    // The handlers' codec gets its keys only from the (mocked) secret, as in AWS.
    const cursors = new CursorCodec();
    const keys = new SecretsManagerCursorKeys(SECRET_ARN, {
      client: new SecretsManagerClient({ region: "eu-west-1" }),
    });
    call = invoker(
      testDependencies(db, {
        repositories: createRepositories({ doc: db.doc, tables: db.tables, cursors }),
        refreshCursorKeys: cursorKeyRefresher(cursors, keys),
      }),
    );
    secretWith({ AWSCURRENT: FIRST });
    for (const id of ["a", "b", "c", "d"]) await saveProfile(call, member(id));
  });
  afterAll(async () => {
    await deleteTables(db.client, db.prefix);
    db.client.destroy();
  });

  it("keeps a cursor signed before the rotation valid, signs new ones with the new key, and rejects tampering", async () => {
    secretWith({ AWSCURRENT: FIRST });
    const before = await firstPage();
    expect(before.status).toBe(200);
    const oldCursor: string = before.body.nextCursor;
    expect(oldCursor).toEqual(expect.any(String));

    secretWith({ AWSCURRENT: SECOND, AWSPREVIOUS: FIRST });
    vi.advanceTimersByTime((CURSOR_KEYS_MAX_AGE_SECONDS + 1) * 1000);
    const during = await pageAfter(oldCursor);
    expect(during.status).toBe(200);
    expect(during.body.members[0].userId).not.toBe(before.body.members[0].userId);
    const newCursor: string = during.body.nextCursor;
    expect((await pageAfter(newCursor)).status).toBe(200);

    const [payload, signature] = oldCursor.split(".");
    const tampered = `${payload}.${signature!.slice(0, -2)}${signature!.endsWith("AA") ? "BB" : "AA"}`;
    const refused = await pageAfter(tampered);
    expect(refused.status).toBe(400);
    expect(refused.body.error.code).toBe("INVALID_INPUT");
    expect(refused.raw.body).not.toContain(tampered);

    // A second rotation retires the first key: its cursors no longer verify.
    secretWith({ AWSCURRENT: THIRD, AWSPREVIOUS: SECOND });
    vi.advanceTimersByTime((CURSOR_KEYS_MAX_AGE_SECONDS + 1) * 1000);
    expect((await pageAfter(oldCursor)).status).toBe(400);
    expect((await pageAfter(newCursor)).status).toBe(200);
  });
});
