import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { freePort } from "@hearth/domain/testing";
import { formatTable, intOption, machineInfo, writeResult } from "../../infra/bench/results.js";
import { Outside, type User } from "../e2e/client.js";
import { REPO_ROOT } from "../src/config.js";
import { readOutputs, type StackOutputs } from "../src/outputs.js";

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
/** One slow request must not hold the run past its time cap for long. */
const REQUEST_TIMEOUT_MS = 10_000;
const STACK_START_TIMEOUT_MS = 180_000;
const STACK_STOP_TIMEOUT_MS = 30_000;
const SEEDED_COMMENTS = 30;
const PAGE_SIZE = 10;

function stringOption(name: string): string | undefined {
  const index = process.argv.indexOf(`--${name}`);
  if (index < 0) return undefined;
  const value = process.argv[index + 1];
  if (!value || value.startsWith("--")) throw new Error(`--${name} needs a value`);
  return value;
}

// --- The stack: a throwaway one in a child process, or a running one ---------------------

interface Stack {
  outputs: StackOutputs;
  description: string;
  stop(): Promise<void>;
}

/** Refuses anything but this machine: the benchmark must never load a deployed stack. */
function assertLoopback(outputs: StackOutputs): void {
  const loopback = new Set(["127.0.0.1", "localhost", "[::1]"]);
  for (const [name, url] of [
    ["ApiUrl", outputs.ApiUrl],
    ["CognitoEndpoint", outputs.CognitoEndpoint],
  ] as const) {
    if (!url || !loopback.has(new URL(url).hostname)) {
      throw new Error(
        `${name} (${url ?? "missing"}) is not a loopback address: bench:load runs locally only`,
      );
    }
  }
}

/**
 * `pnpm dev` in its own process, on free ports and a temporary data directory, so the load
 * generator and the stack don't share an event loop. It stops on SIGTERM, and by itself when
 * this process dies (it watches its launchers); its engines die with it (the watchdog).
 */
async function startThrowawayStack(): Promise<Stack> {
  const dataDir = mkdtempSync(join(tmpdir(), "hearth-bench-load-"));
  const env: NodeJS.ProcessEnv = { ...process.env, HEARTH_LOCAL_DIR: dataDir };
  // An external DynamoDB would share the default table prefix with a running `pnpm dev`.
  delete env.DYNAMODB_ENDPOINT;
  for (const envVar of [
    "API_PORT",
    "DYNAMODB_PORT",
    "COGNITO_PORT",
    "SES_PORT",
    "S3_PORT",
    "COGNITO_TRIGGERS_PORT",
  ]) {
    env[envVar] = String(await freePort());
  }
  const child = spawn(process.execPath, ["--import", "tsx", join("packages", "local", "bin", "dev.ts")], {
    cwd: REPO_ROOT,
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4000);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  const stop = async () => {
    await stopChild(child);
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    // The outputs file is the last thing a start writes: once it exists, the API listens.
    const outputsFile = join(dataDir, "outputs.json");
    const deadline = Date.now() + STACK_START_TIMEOUT_MS;
    while (!existsSync(outputsFile)) {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(`The local stack exited while starting:\n${output}`);
      }
      if (Date.now() > deadline) throw new Error(`The local stack did not start in time:\n${output}`);
      await sleep(250);
    }
    const outputs = readOutputs(outputsFile);
    assertLoopback(outputs);
    return { outputs, description: "throwaway (pnpm dev on free ports, own process)", stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const force = setTimeout(() => child.kill("SIGKILL"), STACK_STOP_TIMEOUT_MS);
    child.once("exit", () => {
      clearTimeout(force);
      resolve();
    });
    child.kill("SIGTERM");
  });
}

function runningStack(file: string): Stack {
  const outputs = readOutputs(resolve(file));
  assertLoopback(outputs);
  return { outputs, description: `running (${file})`, stop: async () => {} };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// --- Timed HTTP calls ---------------------------------------------------------------------

interface Sample {
  route: string;
  status: number;
  ms: number;
}

/** Status 0: the request failed or timed out before any answer. */
async function timedCall(
  apiUrl: string,
  route: string,
  method: string,
  path: string,
  user: User,
  body?: unknown,
): Promise<Sample & { body: Record<string, unknown> }> {
  const started = performance.now();
  try {
    const response = await fetch(`${apiUrl}${path}`, {
      method,
      headers: {
        Authorization: `Bearer ${user.token}`,
        ...(body !== undefined ? { "Content-Type": "application/json" } : {}),
      },
      body: body !== undefined ? JSON.stringify(body) : undefined,
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    const text = await response.text();
    const ms = performance.now() - started;
    let parsed: Record<string, unknown> = {};
    try {
      parsed = text ? (JSON.parse(text) as Record<string, unknown>) : {};
    } catch {
      parsed = { text: text.slice(0, 200) };
    }
    return { route, status: response.status, ms, body: parsed };
  } catch (error) {
    return {
      route,
      status: 0,
      ms: performance.now() - started,
      body: { error: error instanceof Error ? error.message : String(error) },
    };
  }
}

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

/** Nearest-rank percentile of sorted values. */
function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

function summarize(samples: readonly Sample[], seconds: number) {
  const sorted = samples.map((sample) => sample.ms).sort((a, b) => a - b);
  const round = (ms: number) => Math.round(ms * 10) / 10;
  return {
    count: samples.length,
    errors: samples.filter((sample) => !ok(sample.status)).length,
    requestsPerSecond: Math.round((samples.length / seconds) * 10) / 10,
    p50: round(percentile(sorted, 50)),
    p95: round(percentile(sorted, 95)),
    p99: round(percentile(sorted, 99)),
    max: round(sorted.at(-1) ?? 0),
  };
}

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
const stack = outputsFile ? runningStack(outputsFile) : await startThrowawayStack();
try {
  console.log("Preparing members, comments and a conversation…");
  const fixture = await prepare(stack.outputs);
  await warmUp(fixture);
  console.log(
    `Driving up to ${options.requests} requests with ${options.concurrency} workers, at most ${options.seconds} s…`,
  );
  const run = await drive(fixture);
  const routes = [...new Set(run.samples.map((sample) => sample.route))].sort().map((route) => ({
    route,
    ...summarize(
      run.samples.filter((sample) => sample.route === route),
      run.seconds,
    ),
  }));
  const overall = summarize(run.samples, run.seconds);
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
  const row = (name: string, stats: ReturnType<typeof summarize>) => [
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
