import { GetCommand } from "@aws-sdk/lib-dynamodb";
import { freePort } from "@hearth/domain/testing";
import { afterEach, describe, expect, it, vi } from "vitest";
import {
  batchOf,
  commentBy,
  functionEnvironment,
  type Harness,
  lambdaContext,
  membersWithProfiles,
  useHarness,
} from "./helpers.js";

const harness = useHarness("entry");

/** Sets the environment a deployed function gets, then loads its entry module as Lambda would. */
async function loadEntry(
  h: Harness,
  which: "notifications" | "activity",
  extra: Record<string, string> = {},
) {
  for (const [name, value] of Object.entries(functionEnvironment(h.db, h.endpoint, extra)))
    vi.stubEnv(name, value);
  vi.resetModules();
  const module = await import(`../src/${which}/handler.ts`);
  return module.handler as typeof import("../src/activity/handler.js").handler;
}

afterEach(() => {
  vi.unstubAllEnvs();
});

describe("Lambda entry modules", () => {
  it("activity: built from the environment, counts a real stream record", async () => {
    const h = harness();
    const [user] = await membersWithProfiles(h, "entry");
    await h.tap.skip("Comments");
    await h.db.repositories.comments.create(commentBy(user, "/entry"));
    const handler = await loadEntry(h, "activity");

    const response = await handler(batchOf(await h.tap.take("Comments")), lambdaContext("activity"));

    expect(response.batchItemFailures).toEqual([]);
    expect((await h.db.repositories.profiles.get(user))?.commentCount).toBe(1);
  });

  it("notifications: an unreachable SES fails the record and gives the debounce slot back", async () => {
    const h = harness();
    const [reader, writer] = await membersWithProfiles(h, "reader", "writer");
    await h.db.repositories.comments.create(commentBy(reader, "/unreachable"));
    await h.tap.skip("Comments");
    await h.db.repositories.comments.create(commentBy(writer, "/unreachable"));
    const record = await h.tap.takeOne("Comments");
    // Nothing listens on this port: a real connection failure, not a mock.
    const handler = await loadEntry(h, "notifications", {
      SES_ENDPOINT: `http://127.0.0.1:${await freePort()}`,
      AWS_MAX_ATTEMPTS: "1",
      LOG_LEVEL: "ERROR",
    });
    const logged: string[] = [];
    // Powertools writes error logs to stderr.
    const stderr = vi.spyOn(process.stderr, "write").mockImplementation((chunk) => {
      logged.push(String(chunk));
      return true;
    });

    const response = await handler(batchOf([record]), lambdaContext("notifications")).finally(() =>
      stderr.mockRestore(),
    );

    expect(response.batchItemFailures).toEqual([{ itemIdentifier: record.dynamodb?.SequenceNumber }]);
    const profile = await h.db.doc.send(
      new GetCommand({ TableName: h.db.tables.UserProfiles, Key: { userId: reader } }),
    );
    expect(profile.Item?.lastEmailedAt_comment).toBeUndefined();
    // The failure logged is the send to the reader, with no address in the log.
    const failure = logged
      .map((line) => JSON.parse(line))
      .find((entry) => entry.message === "Record failed; it will be retried");
    expect(failure?.error?.name).toBe("NotificationDeliveryError");
    expect(failure?.error?.message).toContain(reader);
    expect(failure?.error?.message).toMatch(/ECONNREFUSED/);
    expect(logged.join("")).not.toContain("@family.example");
  });
});
