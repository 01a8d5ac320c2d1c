import { Logger } from "@aws-lambda-powertools/logger";
import { DynamoDBDocumentClient, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { deleteTables, ProfilesRepository } from "@hearth/domain";
import { createTestDatabase, recordingTracer, type TestDatabase } from "@hearth/domain/testing";
import type { PreTokenGenerationTriggerEvent } from "aws-lambda";
import { mockClient } from "aws-sdk-client-mock";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { buildSignInTrigger } from "../src/sign-in/build.js";
import { createSignInTrigger, signInIdentityOf } from "../src/sign-in/profile-on-sign-in.js";
import { functionEnvironment } from "./helpers.js";

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase(inject("dynamoEndpoint"), "sign-in");
});
afterAll(async () => {
  await deleteTables(db.client, db.prefix);
  db.client.destroy();
});

/** The event Cognito sends when it is about to issue tokens. */
function tokenEvent(
  attributes: Record<string, string>,
  groups: string[],
  triggerSource: PreTokenGenerationTriggerEvent["triggerSource"] = "TokenGeneration_Authentication",
  userName = attributes.sub ?? "someone",
): PreTokenGenerationTriggerEvent {
  return {
    version: "1",
    region: "eu-west-1",
    userPoolId: "eu-west-1_test",
    userName,
    callerContext: { awsSdkVersion: "aws-sdk-unknown-unknown", clientId: "client" },
    triggerSource,
    request: { userAttributes: attributes, groupConfiguration: { groupsToOverride: groups } },
    response: { claimsOverrideDetails: {} },
  } as PreTokenGenerationTriggerEvent;
}

const trigger = () => buildSignInTrigger(functionEnvironment(db, inject("dynamoEndpoint")));

const directoryIds = async () =>
  (await db.repositories.profiles.listMembers({ limit: 100 })).items.map((profile) => profile.userId);

describe("the sign-in trigger (Cognito Pre Token Generation)", () => {
  it("creates the profile at the first sign-in, named from the user pool, and lists a member", async () => {
    const event = tokenEvent({ sub: "u-rose", email: "Rose@Example.org", name: "Rose Hearth" }, [
      "ApprovedUsers",
    ]);
    // The event goes back to Cognito as it came: no claim is changed.
    expect(await trigger()(event)).toEqual(event);
    expect(await db.repositories.profiles.get("u-rose")).toMatchObject({
      displayName: "Rose Hearth",
      email: "rose@example.org",
      bio: "",
      isProfilePrivate: false,
      membership: "member",
    });
    expect(await directoryIds()).toContain("u-rose");
  });

  it("covers a user an admin created: named from the email when the pool has no name", async () => {
    await trigger()(
      tokenEvent(
        { sub: "u-sam", email: "sam.smith@example.org" },
        ["Admins"],
        "TokenGeneration_NewPasswordChallenge",
      ),
    );
    expect(await db.repositories.profiles.get("u-sam")).toMatchObject({
      displayName: "sam.smith",
      membership: "member",
    });
  });

  it("never overwrites an existing profile, but keeps membership in step with the groups", async () => {
    const { profiles } = db.repositories;
    await profiles.upsert(
      "u-ivy",
      { displayName: "Ivy (Grandma)", bio: "Letters from 1952" },
      { isMember: true },
    );
    await trigger()(tokenEvent({ sub: "u-ivy", email: "ivy@example.org", name: "Ivy" }, ["ApprovedUsers"]));
    expect(await profiles.get("u-ivy")).toMatchObject({
      displayName: "Ivy (Grandma)",
      bio: "Letters from 1952",
    });

    // Taken out of ApprovedUsers: still a profile, no longer in the directory, waiting again.
    await trigger()(
      tokenEvent({ sub: "u-ivy", email: "ivy@example.org" }, [], "TokenGeneration_RefreshTokens"),
    );
    expect(await profiles.get("u-ivy")).toMatchObject({
      displayName: "Ivy (Grandma)",
      membership: "pending",
    });
    expect(await directoryIds()).not.toContain("u-ivy");
    // Their tokens from before are refused from here on: the revocation list names them.
    expect((await db.repositories.revocations.activeRevocations()).has("u-ivy")).toBe(true);
  });

  it("gives someone not approved yet a profile marked pending: listed for admins, not in the directory", async () => {
    await trigger()(
      tokenEvent(
        { sub: "u-new", email: "new@example.org" },
        [],
        "TokenGeneration_Authentication",
        "new@example.org",
      ),
    );
    expect(await db.repositories.profiles.get("u-new")).toMatchObject({
      displayName: "new",
      membership: "pending",
      // The pool's name for them, which is what Cognito's admin calls take.
      cognitoUsername: "new@example.org",
    });
    expect(await directoryIds()).not.toContain("u-new");
    const pending = await db.repositories.profiles.listMembers({ limit: 100 }, "pending");
    expect(pending.items.map((profile) => profile.userId)).toContain("u-new");

    // Approved meanwhile: the next token refresh makes them a member.
    await trigger()(
      tokenEvent(
        { sub: "u-new", email: "new@example.org" },
        ["ApprovedUsers"],
        "TokenGeneration_RefreshTokens",
      ),
    );
    expect(await db.repositories.profiles.get("u-new")).toMatchObject({ membership: "member" });
    expect(await directoryIds()).toContain("u-new");
  });

  it("reduces a name with markup to plain text", () => {
    const { identity } = signInIdentityOf(
      tokenEvent({ sub: "u-x", email: "x@example.org", name: "<b>Bold</b> <script>x</script>" }, []),
    );
    expect(identity.displayName).not.toMatch(/[<>]/);
    expect(identity.displayName).toContain("Bold");
  });

  it("falls back to the email's name when the pool's name is nested too deep to show, instead of failing the sign-in", async () => {
    const overNested = `${"&amp;".repeat(1)}${"amp;".repeat(20)}lt;b&gt;x`;
    const event = tokenEvent({ sub: "u-deep", email: "deep@example.org", name: overNested }, [
      "ApprovedUsers",
    ]);
    await expect(trigger()(event)).resolves.toBe(event);
    expect(await db.repositories.profiles.get("u-deep")).toMatchObject({ displayName: "deep" });
  });

  it("lets the sign-in go on when DynamoDB fails, and logs it", async () => {
    const doc = DynamoDBDocumentClient.from(db.client);
    const mock = mockClient(doc);
    mock
      .on(UpdateCommand)
      .rejects(Object.assign(new Error("Rate exceeded"), { name: "ThrottlingException" }));
    const logger = new Logger({ serviceName: "test", logLevel: "SILENT" });
    const errors: unknown[] = [];
    logger.error = (...args: unknown[]) => void errors.push(args);
    const profiles = new ProfilesRepository({ doc, tables: db.tables, cursors: db.cursors });
    const event = tokenEvent({ sub: "u-busy", email: "busy@example.org" }, ["ApprovedUsers"]);
    const { tracer, opened, annotations, isBackOnFacade } = recordingTracer();
    const revocations = db.repositories.revocations;
    expect(await createSignInTrigger({ profiles, revocations, logger, tracer })(event)).toEqual(event);
    expect(errors).toHaveLength(1);
    // Traced like any invocation: one closed subsegment, however the sign-in went.
    expect(opened).toEqual([{ name: "## sign-in", closed: true, errors: [] }]);
    expect(annotations).toEqual({ triggerSource: event.triggerSource });
    expect(isBackOnFacade()).toBe(true);
    mock.restore();
  });
});
