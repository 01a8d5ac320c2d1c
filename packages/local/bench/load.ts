import { formatTable, intOption, machineInfo, writeResult } from "../../infra/bench/results.js";
import { Outside, type User } from "../e2e/client.js";
import type { StackOutputs } from "../src/outputs.js";
import {
  latencyByRoute,
  type latencyOf,
  runningStack,
  type Sample,
  startThrowawayStack,
  stringOption,
  timedCall,
} from "./local-stack.js";

/**
 * `pnpm bench:load [--requests N] [--concurrency C] [--seconds S] [--outputs file]`: latency
 * under load on the local stack. Starts a throwaway stack on free ports in a child process
 * (or uses the running one an outputs file describes), creates a few members the way the e2e
 * client does, then sends a fixed mix of API requests over HTTP from C concurrent workers
 * until N requests are done or S seconds have passed, whichever comes first. Only loopback
 * addresses are ever called.
 */

const options = {
  requests: intOption("requests", 1000),
  concurrency: intOption("concurrency", 8),
  seconds: intOption("seconds", 30),
};
const outputsFileArg = stringOption("outputs");
const SEEDED_COMMENTS = 30;
const PAGE_SIZE = 10;

// --- Timed HTTP calls ---------------------------------------------------------------------

// --- The workload ---------------------------------------------------------------------------

interface Fixture {
  apiUrl: string;
  members: User[];
  itemPath: string;
  commentIds: string[];
  conversationPath: string;
}

type Operation = (fixture: Fixture, index: number, worker: WorkerState) => Promise<Sample>;
interface WorkerState {
  /** Where this worker's next comment listing continues (pagination), if anywhere. */
  commentsCursor: string | undefined;
}

const ok = (status: number) => status >= 200 && status < 300;
const memberFor = (fixture: Fixture, index: number) => fixture.members[index % fixture.members.length]!;

const OPERATIONS: Record<string, Operation> = {
  listComments: async (fixture, index, worker) => {
    const cursor = worker.commentsCursor ? `&cursor=${encodeURIComponent(worker.commentsCursor)}` : "";
    const result = await timedCall(
      fixture.apiUrl,
      "GET /comments/{itemId}",
      "GET",
      `${fixture.itemPath}?limit=${PAGE_SIZE}${cursor}`,
      memberFor(fixture, index),
    );
    const next = result.body.nextCursor;
    worker.commentsCursor = ok(result.status) && typeof next === "string" ? next : undefined;
    return result;
  },
  postComment: (fixture, index) =>
    timedCall(
      fixture.apiUrl,
      "POST /comments/{itemId}",
      "POST",
      fixture.itemPath,
      memberFor(fixture, index),
      {
        commentText: `Load comment ${index}: who is in the back row?`,
        itemTitle: "Load benchmark",
      },
    ),
  // Spread over the seeded comments so one member never toggles one comment twice at once.
  toggleReaction: (fixture, index) =>
    timedCall(
      fixture.apiUrl,
      "POST /reactions/{commentId}",
      "POST",
      `/reactions/${fixture.commentIds[index % fixture.commentIds.length]!}`,
      memberFor(fixture, Math.floor(index / fixture.commentIds.length)),
    ),
  listConversations: (fixture, index) =>
    timedCall(
      fixture.apiUrl,
      "GET /messages/conversations",
      "GET",
      "/messages/conversations",
      memberFor(fixture, index),
    ),
  listMessages: (fixture, index) =>
    timedCall(
      fixture.apiUrl,
      "GET /messages/conversations/{conversationId}",
      "GET",
      `${fixture.conversationPath}?limit=20`,
      memberFor(fixture, index),
    ),
  sendMessage: (fixture, index) =>
    timedCall(
      fixture.apiUrl,
      "POST /messages/conversations/{conversationId}",
      "POST",
      fixture.conversationPath,
      memberFor(fixture, index),
      { messageText: `Load message ${index}` },
    ),
  getProfile: (fixture, index) =>
    timedCall(
      fixture.apiUrl,
      "GET /profile/{userId}",
      "GET",
      `/profile/${memberFor(fixture, index + 1).userId}`,
      memberFor(fixture, index),
    ),
};

/** The mix, as a fixed cycle of 20 (so every run sends the same requests in the same order): reads dominate. */
const MIX: ReadonlyArray<keyof typeof OPERATIONS> = [
  ...Array<string>(6).fill("listComments"),
  ...Array<string>(3).fill("postComment"),
  ...Array<string>(3).fill("toggleReaction"),
  ...Array<string>(3).fill("listConversations"),
  ...Array<string>(2).fill("listMessages"),
  ...Array<string>(2).fill("sendMessage"),
  "getProfile",
].map((_, position, all) => all[(position * 7) % all.length]!); // interleaved, not in blocks

async function expectOk<T>(what: string, call: Promise<Sample & { body: Record<string, unknown> }>) {
  const result = await call;
  if (!ok(result.status)) {
    throw new Error(`Setup step "${what}" answered ${result.status}: ${JSON.stringify(result.body)}`);
  }
  return result.body as T;
}

/** Members, profiles, an item with a few pages of comments and a group conversation (not timed). */
async function prepare(outputs: StackOutputs): Promise<Fixture> {
  const outside = new Outside(outputs);
  const members = await Promise.all(
    ["Ada", "Ben", "Cleo", "Dev"].map((name) => outside.signUp(`Load${name}`, ["ApprovedUsers"])),
  );
  const apiUrl = outputs.ApiUrl.replace(/\/$/, "");
  for (const member of members) {
    await expectOk(
      "set profile",
      timedCall(apiUrl, "", "PUT", "/profile", member, { displayName: `${member.name} Bench` }),
    );
  }
  const itemPath = `/comments/${encodeURIComponent(`/bench/load-${outside.runId}/family picnic`)}`;
  const commentIds: string[] = [];
  for (let index = 0; index < SEEDED_COMMENTS; index++) {
    const comment = await expectOk<{ commentId: string }>(
      "post comment",
      timedCall(apiUrl, "", "POST", itemPath, members[index % members.length]!, {
        commentText: `Seed comment ${index}`,
        itemTitle: "Load benchmark",
      }),
    );
    commentIds.push(comment.commentId);
  }
  const conversation = await expectOk<{ conversationId: string }>(
    "start conversation",
    timedCall(apiUrl, "", "POST", "/messages/conversations", members[0]!, {
      participantIds: members.slice(1).map((member) => member.userId),
      title: "Load benchmark",
      messageText: "Let's see how the stack holds up.",
    }),
  );
  outside.cognito.destroy();
  return {
    apiUrl,
    members,
    itemPath,
    commentIds,
    conversationPath: `/messages/conversations/${encodeURIComponent(conversation.conversationId)}`,
  };
}

interface RunResult {
  samples: Sample[];
  errors: Array<{ route: string; status: number; body: unknown }>;
  seconds: number;
  stoppedBy: "requests" | "time" | "signal";
}

let interrupted = false;

async function drive(fixture: Fixture): Promise<RunResult> {
  const samples: Sample[] = [];
  const errors: RunResult["errors"] = [];
  const started = performance.now();
  const deadline = started + options.seconds * 1000;
  let issued = 0;
  const worker = async () => {
    const state: WorkerState = { commentsCursor: undefined };
    // Each loop issues one request; the count and the clock both bound it.
    while (!interrupted && issued < options.requests && performance.now() < deadline) {
      const index = issued++;
      const { body, ...sample } = (await OPERATIONS[MIX[index % MIX.length]!]!(
        fixture,
        index,
        state,
      )) as Sample & {
        body?: unknown;
      };
      samples.push(sample);
      if (!ok(sample.status) && errors.length < 20) errors.push({ ...sample, body });
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  const seconds = (performance.now() - started) / 1000;
  const stoppedBy = interrupted ? "signal" : issued >= options.requests ? "requests" : "time";
  return { samples, errors, seconds, stoppedBy };
}

/** One request of each kind first: the first call of each function loads its code and clients. */
async function warmUp(fixture: Fixture): Promise<void> {
  const state: WorkerState = { commentsCursor: undefined };
  for (const operation of Object.values(OPERATIONS)) await operation(fixture, 0, state);
}

// --- Statistics -------------------------------------------------------------------------------

// --- Main -------------------------------------------------------------------------------------

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    // A second signal while cleaning up: leave now (the stack stops itself without us).
    if (interrupted) process.exit(130);
    interrupted = true;
    console.log(`\n${signal}: stopping the workers, then the stack…`);
  });
}

const outputsFile = outputsFileArg ?? process.env.HEARTH_OUTPUTS;
console.log(outputsFile ? `Using the stack in ${outputsFile}` : "Starting a throwaway local stack…");
const stack = outputsFile ? runningStack(outputsFile, "bench:load") : await startThrowawayStack("bench:load");
try {
  console.log("Preparing members, comments and a conversation…");
  const fixture = await prepare(stack.outputs);
  await warmUp(fixture);
  console.log(
    `Driving up to ${options.requests} requests with ${options.concurrency} workers, at most ${options.seconds} s…`,
  );
  const run = await drive(fixture);
  const { routes, overall } = latencyByRoute(run.samples, run.seconds);
  const path = await writeResult("load", {
    machine: machineInfo(),
    stack: stack.description,
    options,
    mix: MIX,
    seconds: Math.round(run.seconds * 100) / 100,
    stoppedBy: run.stoppedBy,
    overall,
    routes,
    errorSamples: run.errors,
  });
  const row = (name: string, stats: ReturnType<typeof latencyOf>) => [
    name,
    stats.count,
    stats.errors,
    stats.requestsPerSecond,
    stats.p50,
    stats.p95,
    stats.p99,
    stats.max,
  ];
  console.log(
    `\n${run.samples.length} requests in ${run.seconds.toFixed(1)} s (stopped by ${run.stoppedBy}), ${options.concurrency} workers\n`,
  );
  console.log(
    formatTable(
      ["route", "count", "errors", "req/s", "p50 ms", "p95 ms", "p99 ms", "max ms"],
      [...routes.map((stats) => row(stats.route, stats)), row("overall", overall)],
    ),
  );
  for (const error of run.errors.slice(0, 5)) {
    console.log(`  ${error.status} ${error.route}: ${JSON.stringify(error.body).slice(0, 200)}`);
  }
  console.log(`\nWrote ${path}`);
} finally {
  await stack.stop();
}
