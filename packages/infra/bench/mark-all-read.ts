import { randomBytes, randomUUID } from "node:crypto";
import { API_FUNCTION_TIMEOUT_SECONDS } from "@hearth/api-handlers";
import {
  batchWriteAll,
  CursorCodec,
  createDocumentClient,
  createRepositories,
  createTables,
  deleteTables,
  NOTIFICATION_TTL_SECONDS,
  notificationIdFor,
  ttlAfter,
  UNREAD_COUNTER_ID,
} from "@hearth/domain";
import { localClient, type RunningDynamo, startDynamoDbLocal } from "@hearth/domain/testing";
import { formatTable, intOption, machineInfo, median, writeResult } from "./results.js";

/**
 * `pnpm bench:mark-read [--entries N] [--runs N]`: how long `PUT /notifications/read` with
 * `{"all": true}` takes on a feed of N unread entries (default 5,000), against DynamoDB Local
 * (its own, or `DYNAMODB_ENDPOINT`'s), next to the API function's time limit. Each run seeds
 * a fresh member's feed (entries and their counter, as the notifications processor leaves
 * them), then marks everything read through the feed's repository, as the route does, and
 * counts the DynamoDB calls it sent. A measurement, not a check.
 */
const entries = intOption("entries", 5000);
const runs = intOption("runs", 3);

const started: RunningDynamo | undefined = process.env.DYNAMODB_ENDPOINT
  ? undefined
  : await startDynamoDbLocal();
const endpoint = process.env.DYNAMODB_ENDPOINT || started!.endpoint;
const client = localClient(endpoint);
const prefix = `bench-read-${randomBytes(3).toString("hex")}-`;
const doc = createDocumentClient({ stage: "bench", endpoint });
let calls: Record<string, number> | undefined;
doc.middlewareStack.add(
  (next, context) => async (args) => {
    if (calls) {
      const operation = String(context.commandName).replace(/Command$/, "");
      calls[operation] = (calls[operation] ?? 0) + 1;
    }
    return next(args);
  },
  { step: "initialize", name: "countDynamoDbCalls" },
);

try {
  const tables = await createTables(client, prefix);
  const repositories = createRepositories({
    doc,
    tables,
    cursors: new CursorCodec(randomBytes(16).toString("hex")),
  });
  const results: {
    run: number;
    entries: number;
    ms: number;
    unreadAfter: number;
    calls: Record<string, number>;
  }[] = [];
  for (let run = 1; run <= runs; run++) {
    const userId = `user-reader-${run}`;
    const start = Date.now() - entries * 1000;
    const expiresAt = ttlAfter(NOTIFICATION_TTL_SECONDS);
    await batchWriteAll(doc, tables.Notifications, [
      ...Array.from({ length: entries }, (_, index) => {
        const createdAt = new Date(start + index * 1000).toISOString();
        return {
          put: {
            userId,
            notificationId: notificationIdFor(createdAt, randomUUID()),
            kind: "comment",
            actor: { userId: "user-writer", displayName: "Writer" },
            itemId: "/bench/feed",
            itemTitle: "A busy item",
            commentId: null,
            conversationId: null,
            preview: "Another comment",
            createdAt,
            read: false,
            expiresAt,
          },
        };
      }),
      { put: { userId, notificationId: UNREAD_COUNTER_ID, unreadCount: entries } },
    ]);
    calls = {};
    const began = performance.now();
    const unreadAfter = await repositories.notifications.markRead(userId, { all: true });
    const ms = Math.round(performance.now() - began);
    results.push({ run, entries, ms, unreadAfter, calls });
    calls = undefined;
    console.log(
      `run ${run}: ${entries} unread entries marked read in ${ms} ms (unread after: ${unreadAfter})`,
    );
  }
  const limitMs = API_FUNCTION_TIMEOUT_SECONDS * 1000;
  console.log(
    `\n${formatTable(
      ["run", "entries", "ms", "calls"],
      results.map((r) => [
        String(r.run),
        String(r.entries),
        String(r.ms),
        Object.entries(r.calls)
          .map(([operation, count]) => `${operation} ${count}`)
          .join(", "),
      ]),
      1,
    )}`,
  );
  const times = results.map((r) => r.ms);
  console.log(
    `median ${median(times)} ms, max ${Math.max(...times)} ms; the API function may run ${limitMs} ms (${API_FUNCTION_TIMEOUT_SECONDS} s)`,
  );
  const path = await writeResult("mark-all-read", {
    benchmark: "mark-all-read",
    measuredAt: new Date().toISOString(),
    machine: machineInfo(),
    functionTimeoutMs: limitMs,
    results,
  });
  console.log(`Wrote ${path}`);
  await deleteTables(client, prefix);
} finally {
  client.destroy();
  doc.destroy();
  await started?.stop();
}
