import { MessageRejected, SendEmailCommand } from "@aws-sdk/client-sesv2";
import { afterEach, describe, expect, it, vi } from "vitest";
import { type ProcessorMetrics, processorMetricsFromEnv } from "../src/runtime.js";
import { commentBy, type Harness, membersWithProfiles, saveProfile, useHarness } from "./helpers.js";

const harness = useHarness("metrics");

/** Records what the processors count, and each batch's publish. */
function recordMetrics(h: Harness) {
  const published: Record<string, number>[] = [];
  let pending: Record<string, number> = {};
  const recorder: ProcessorMetrics = {
    addMetric: (name, _unit, value) => {
      pending[name] = (pending[name] ?? 0) + value;
    },
    publishStoredMetrics: () => {
      published.push(pending);
      pending = {};
    },
  };
  h.deps.metrics = recorder;
  return published;
}

describe("metrics of the stream processors", () => {
  it("counts each new comment once, however often its record is delivered, one publish per batch", async () => {
    const h = harness();
    const published = recordMetrics(h);
    const [writer] = await membersWithProfiles(h, "writer");
    await h.tap.skip("Comments");
    await h.db.repositories.comments.create(commentBy(writer, "/m/a"));
    await h.db.repositories.comments.create(commentBy(writer, "/m/b"));
    const records = await h.tap.take("Comments");

    await h.process("activity", records);
    await h.process("activity", records);

    expect(published).toEqual([{ CommentsPosted: 2 }, {}]);
  });

  it("counts emails sent and suppressed (a recipient who opted out)", async () => {
    const h = harness();
    const itemId = "/m/notify";
    const [alice, bob, carol] = await membersWithProfiles(h, "alice", "bob", "carol");
    await saveProfile(h, bob, { preferences: { comments: false } });
    await h.db.repositories.comments.create(commentBy(alice, itemId));
    await h.db.repositories.comments.create(commentBy(bob, itemId));
    await h.tap.skip("Comments");
    await h.db.repositories.comments.create(commentBy(carol, itemId));
    const records = await h.tap.take("Comments");
    const published = recordMetrics(h);

    await h.process("notifications", records);

    expect(published).toEqual([{ EmailsSent: 1, EmailsSuppressed: 1 }]);
  });

  it("counts emails SES refused as failed", async () => {
    const h = harness();
    const itemId = "/m/refused";
    const [alice, bob] = await membersWithProfiles(h, "alice", "bob");
    await h.db.repositories.comments.create(commentBy(alice, itemId));
    await h.tap.skip("Comments");
    await h.db.repositories.comments.create(commentBy(bob, itemId));
    const records = await h.tap.take("Comments");
    h.ses
      .on(SendEmailCommand)
      .rejects(new MessageRejected({ message: "Email address is not verified.", $metadata: {} }));
    const published = recordMetrics(h);

    const response = await h.process("notifications", records);

    expect(response.batchItemFailures).toHaveLength(1);
    expect(published).toEqual([{ EmailsFailed: 1 }]);
  });
});

describe("processorMetricsFromEnv", () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it("writes EMF under the environment's namespace", () => {
    const lines: string[] = [];
    vi.spyOn(process.stdout, "write").mockImplementation((chunk) => {
      lines.push(String(chunk));
      return true;
    });
    const metrics = processorMetricsFromEnv({ POWERTOOLS_METRICS_NAMESPACE: "Hearth/staging" });
    metrics.addMetric("EmailsSent", "Count", 3);
    metrics.publishStoredMetrics();
    vi.restoreAllMocks();

    const emf = lines.map((line) => JSON.parse(line)).find((entry) => entry._aws);
    expect(emf).toMatchObject({
      _aws: {
        CloudWatchMetrics: [
          { Namespace: "Hearth/staging", Metrics: [{ Name: "EmailsSent", Unit: "Count" }] },
        ],
      },
      EmailsSent: 3,
      service: "hearth-stream-processors",
    });
  });

  it("emits nothing without a namespace (the local stack, tests)", () => {
    const write = vi.spyOn(process.stdout, "write");
    const metrics = processorMetricsFromEnv({});
    metrics.addMetric("EmailsSent", "Count", 1);
    metrics.publishStoredMetrics();
    expect(write).not.toHaveBeenCalled();
  });
});
