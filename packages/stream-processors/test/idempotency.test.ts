import { MessageRejected, SendEmailCommand } from "@aws-sdk/client-sesv2";
import { ScanCommand } from "@aws-sdk/lib-dynamodb";
import { RecordFailuresRepository } from "@hearth/domain";
import { describe, expect, it } from "vitest";
import { IDEMPOTENCY_EXPIRY_SECONDS } from "../src/idempotency.js";
import { RECORD_RETRY } from "../src/stream-subscriptions.js";
import {
  batchOf,
  commentBy,
  type Harness,
  lambdaContext,
  membersWithProfiles,
  useHarness,
} from "./helpers.js";

const harness = useHarness("idempotency");

/** The processor's idempotency records (this file's tables hold no others). */
async function idempotencyRecords(h: Harness, processor: string) {
  const output = await h.db.doc.send(new ScanCommand({ TableName: h.db.tables.IdempotencyRecords }));
  return (output.Items ?? []).filter((item) => String(item.id).startsWith(`hearth-${processor}#`));
}

describe("idempotency records", () => {
  it("lock a record in progress for its own few seconds (never past the invocation), and expire by TTL a day later", async () => {
    const h = harness();
    const [reader, writer] = await membersWithProfiles(h, "reader", "writer");
    await h.db.repositories.comments.create(commentBy(reader, "/idempotency"));
    await h.tap.skip("Comments");
    await h.db.repositories.comments.create(commentBy(writer, "/idempotency"));
    const record = await h.tap.takeOne("Comments");
    const remainingMs = 42_000;
    const context = { ...lambdaContext("notifications"), getRemainingTimeInMillis: () => remainingMs };
    let inProgress: Record<string, unknown>[] = [];
    // Look at the table while the email is being sent, i.e. while the record is in progress.
    h.ses.on(SendEmailCommand).callsFake(async () => {
      inProgress = await idempotencyRecords(h, "notifications");
      return { MessageId: "in-progress" };
    });

    const startedMs = Date.now();
    const response = await h.build("notifications")(batchOf([record]), context);
    const finishedMs = Date.now();

    expect(response.batchItemFailures).toEqual([]);
    expect(inProgress).toHaveLength(1);
    expect(inProgress[0]?.status).toBe("INPROGRESS");
    // A lock left behind (a container that died mid-record, a clean-up lost in a stall) is free
    // by the time the paused retry comes, not only when the whole invocation could have ended.
    const lockMs = RECORD_RETRY.lockSeconds * 1000;
    expect(lockMs).toBeLessThanOrEqual(RECORD_RETRY.pauseSeconds * 1000);
    const inProgressUntil = Number(inProgress[0]?.in_progress_expiration);
    expect(inProgressUntil).toBeGreaterThanOrEqual(startedMs + lockMs);
    expect(inProgressUntil).toBeLessThanOrEqual(finishedMs + lockMs);

    const [done] = await idempotencyRecords(h, "notifications");
    expect(done?.status).toBe("COMPLETED");
    const expiresAt = Number(done?.expiration);
    expect(expiresAt).toBeGreaterThanOrEqual(Math.floor(startedMs / 1000) + IDEMPOTENCY_EXPIRY_SECONDS);
    expect(expiresAt).toBeLessThanOrEqual(Math.ceil(finishedMs / 1000) + IDEMPOTENCY_EXPIRY_SECONDS);
  });

  it("note why a record failed (error name and message, attempts counted) for the dead letters and replay", async () => {
    const h = harness();
    const [reader, writer] = await membersWithProfiles(h, "noted-reader", "noted-writer");
    await h.db.repositories.comments.create(commentBy(reader, "/noted"));
    await h.tap.skip("Comments");
    await h.db.repositories.comments.create(commentBy(writer, "/noted"));
    const record = await h.tap.takeOne("Comments");
    h.ses.on(SendEmailCommand).rejects(new MessageRejected({ message: "Sending paused", $metadata: {} }));

    for (let attempt = 0; attempt < 2; attempt++) {
      const response = await h.build("notifications")(batchOf([record]), lambdaContext());
      expect(response.batchItemFailures).toHaveLength(1);
    }
    const failures = new RecordFailuresRepository({
      doc: h.db.doc,
      tables: h.db.tables,
      cursors: h.db.cursors,
    });
    const cause = (await failures.causesOf("notifications", [record.eventID!])).get(record.eventID!);
    expect(cause).toMatchObject({
      processor: "notifications",
      errorName: "NotificationDeliveryError",
      attempts: 2,
    });
    expect(cause?.errorMessage).toContain("Sending paused");
    // A cause, not a dump: no stack, and nothing of the record's own data.
    expect(cause?.errorMessage).not.toContain("    at ");
    expect(JSON.stringify(cause)).not.toContain("A comment by");
  });
});
