import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CreateScheduleCommand, SchedulerClient, ValidationException } from "@aws-sdk/client-scheduler";
import { createEventBridgeDigestScheduler } from "@hearth/stream-processors";
import { afterEach, describe, expect, it } from "vitest";
import { createLocalScheduler, type LocalScheduler } from "../src/scheduler.js";

/**
 * The local EventBridge Scheduler, driven by the real SDK client the notifications processor
 * uses: it keeps one-time schedules, refuses a second one of the same name, and runs the target.
 */
const started: Array<{ scheduler: LocalScheduler; client: SchedulerClient; dir: string }> = [];

async function start(
  invoke: (input: unknown) => Promise<unknown>,
  dir = mkdtempSync(join(tmpdir(), "hearth-sched-")),
) {
  const scheduler = createLocalScheduler({
    invoke,
    file: join(dir, "schedules.json"),
    retryDelaysMs: [0, 0],
  });
  await new Promise<void>((resolve) => scheduler.server.listen(0, "127.0.0.1", resolve));
  const { port } = scheduler.server.address() as AddressInfo;
  const client = new SchedulerClient({
    endpoint: `http://127.0.0.1:${port}`,
    region: "local",
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
  });
  started.push({ scheduler, client, dir });
  return { scheduler, client, dir };
}

afterEach(async () => {
  for (const { scheduler, client, dir } of started.splice(0)) {
    client.destroy();
    await scheduler.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

const target = {
  group: "hearth-local-digests",
  roleArn: "arn:aws:iam::000000000000:role/scheduler",
  functionArn: "arn:aws:lambda:us-east-1:000000000000:function:notification-digests",
};
const window = { userId: "ada", kind: "comment" as const, windowStart: "2026-01-01T10:00:00.000Z" };

describe("the local scheduler", () => {
  it("answers CreateSchedule, a second one of the same window as ConflictException, and runs the target once, then deletes it", async () => {
    const inputs: unknown[] = [];
    const { scheduler, client } = await start(async (input) => inputs.push(input));
    const digests = createEventBridgeDigestScheduler(client, target);

    // A pending schedule's window again is a conflict.
    const later = { ...window, windowStart: "2026-01-01T11:00:00.000Z" };
    expect(await digests.schedule(later, new Date(Date.now() + 60 * 60 * 1000))).toBe("scheduled");
    expect(await digests.schedule(later, new Date(Date.now() + 60 * 60 * 1000))).toBe("already-scheduled");
    // Already due: it runs at once, and is gone once it ran.
    expect(await digests.schedule(window, new Date(Date.now() - 1000))).toBe("scheduled");
    await scheduler.idle();

    expect(inputs).toEqual([window]);
    expect(scheduler.pending().map((s) => JSON.parse(s.input))).toEqual([later]);
  });

  it("keeps a future schedule across a restart (in its file) and refuses what it cannot run", async () => {
    const first = await start(async () => undefined);
    const later = new Date(Date.now() + 60 * 60 * 1000);
    await createEventBridgeDigestScheduler(first.client, target).schedule(window, later);
    expect(first.scheduler.pending()).toHaveLength(1);
    const saved = JSON.parse(readFileSync(join(first.dir, "schedules.json"), "utf8"));
    expect(saved).toEqual([
      expect.objectContaining({ groupName: target.group, at: Math.ceil(later.getTime() / 1000) * 1000 }),
    ]);
    await expect(
      first.client.send(
        new CreateScheduleCommand({
          Name: "every-hour",
          ScheduleExpression: "rate(1 hour)",
          FlexibleTimeWindow: { Mode: "OFF" },
          Target: { Arn: target.functionArn, RoleArn: target.roleArn },
        }),
      ),
    ).rejects.toBeInstanceOf(ValidationException);
    await first.scheduler.close();

    const again = createLocalScheduler({
      invoke: async () => undefined,
      file: join(first.dir, "schedules.json"),
    });
    expect(again.pending()).toEqual(first.scheduler.pending());
    await again.close();
  });

  it("retries a failing target twice, as Lambda retries an asynchronous invocation", async () => {
    let calls = 0;
    const { scheduler, client } = await start(async () => {
      calls++;
      if (calls < 3) throw new Error("SES is down");
    });
    await createEventBridgeDigestScheduler(client, target).schedule(window, new Date(Date.now() - 1000));
    await scheduler.idle();
    expect(calls).toBe(3);
  });
});
