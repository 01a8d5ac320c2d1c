import { formatTable, intOption, machineInfo, writeResult } from "../../infra/bench/results.js";
import { Outside, type User } from "../e2e/client.js";
import { PushSocket } from "../e2e/push-socket.js";
import type { StackOutputs } from "../src/outputs.js";
import {
  type BenchStack,
  percentile,
  roundMs,
  runningStack,
  startThrowawayStack,
  stringOption,
} from "./local-stack.js";

/**
 * `pnpm bench:realtime [--rounds N] [--seconds S] [--outputs file]`: how long a push takes on
 * the local stack, from the REST POST that causes it to the frame arriving at another member's
 * socket. One member (an admin, so the per-member rate limits don't pace the run) sends, each
 * round, a message to a conversation and a comment on an item at the same moment; the other
 * member's socket (connected, and subscribed to the item) waits for the `message.created` and
 * the `comment.created`, and the next round starts once both arrived. Rounds run one after the
 * other so each push is timed on an otherwise idle stack, not behind a queue the benchmark made.
 * Bounded: N rounds, S seconds, and a push not there 10 s after its POST counts as missed.
 * Only loopback addresses are ever called.
 */
const BENCH = "bench:realtime";
const options = {
  rounds: intOption("rounds", 200),
  seconds: intOption("seconds", 600),
};
const outputsFileArg = stringOption("outputs");
const PUSH_TIMEOUT_MS = 10_000;
const REQUEST_TIMEOUT_MS = 10_000;

interface Fixture {
  apiUrl: string;
  webSocketUrl: string;
  sender: User;
  receiver: User;
  conversationPath: string;
  itemId: string;
}

interface Sample {
  /** POST sent → response read. */
  restMs: number;
  /** POST sent → push frame arrived; undefined when it never came in time. */
  pushMs: number | undefined;
  status: number;
}

async function post(apiUrl: string, path: string, user: User, body: unknown) {
  const response = await fetch(`${apiUrl}${path}`, {
    method: "POST",
    headers: { Authorization: `Bearer ${user.token}`, "Content-Type": "application/json" },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
  const text = await response.text();
  let parsed: Record<string, unknown> = {};
  try {
    parsed = text ? (JSON.parse(text) as Record<string, unknown>) : {};
  } catch {
    parsed = { text: text.slice(0, 200) };
  }
  return { status: response.status, body: parsed };
}

async function prepare(outputs: StackOutputs): Promise<Fixture> {
  if (!outputs.WebSocketUrl)
    throw new Error("The outputs have no WebSocketUrl: is this stack older than the WebSocket API?");
  const outside = new Outside(outputs);
  const [sender, receiver] = await Promise.all([
    outside.signUp("RtBenchSender", ["Admins"]),
    outside.signUp("RtBenchReceiver", ["ApprovedUsers"]),
  ]);
  outside.cognito.destroy();
  const apiUrl = outputs.ApiUrl.replace(/\/$/, "");
  for (const user of [sender, receiver]) {
    const response = await fetch(`${apiUrl}/profile`, {
      method: "PUT",
      headers: { Authorization: `Bearer ${user.token}`, "Content-Type": "application/json" },
      body: JSON.stringify({ displayName: user.name }),
    });
    if (response.status !== 200) throw new Error(`Setting up a profile answered ${response.status}`);
  }
  const started = await post(apiUrl, "/messages/conversations", sender, {
    participantIds: [receiver.userId],
    messageText: "Timing the pushes.",
  });
  if (started.status !== 201) throw new Error(`Starting the conversation answered ${started.status}`);
  return {
    apiUrl,
    webSocketUrl: outputs.WebSocketUrl,
    sender,
    receiver,
    conversationPath: `/messages/conversations/${encodeURIComponent(String(started.body.conversationId))}`,
    itemId: `/bench/realtime-${outside.runId}/pushes`,
  };
}

interface Kind {
  name: "message" | "comment";
  send(fixture: Fixture, index: number): Promise<{ status: number; id: string | undefined }>;
  /** The push that answers the POST that made `id`. */
  matches(frame: Record<string, unknown>, id: string): boolean;
}

const KINDS: Kind[] = [
  {
    name: "message",
    async send(fixture, index) {
      const answer = await post(fixture.apiUrl, fixture.conversationPath, fixture.sender, {
        messageText: `Push timing ${index}`,
      });
      return { status: answer.status, id: answer.body.messageId as string | undefined };
    },
    matches: (frame, id) =>
      frame.type === "message.created" && (frame.message as { messageId?: string })?.messageId === id,
  },
  {
    name: "comment",
    async send(fixture, index) {
      const answer = await post(
        fixture.apiUrl,
        `/comments/${encodeURIComponent(fixture.itemId)}`,
        fixture.sender,
        {
          commentText: `Push timing ${index}`,
          itemTitle: "Realtime benchmark",
        },
      );
      return { status: answer.status, id: answer.body.commentId as string | undefined };
    },
    matches: (frame, id) =>
      frame.type === "comment.created" && (frame.comment as { commentId?: string })?.commentId === id,
  },
];

let interrupted = false;

/** One POST of `kind` and the wait for its push. */
async function timePush(kind: Kind, fixture: Fixture, socket: PushSocket, index: number): Promise<Sample> {
  const sent = performance.now();
  const { status, id } = await kind.send(fixture, index).catch(() => ({ status: 0, id: undefined }));
  const restMs = performance.now() - sent;
  if (status !== 201 || !id) return { restMs, pushMs: undefined, status };
  const push = await socket
    .next(`the ${kind.name} push`, (frame) => kind.matches(frame, id), Math.max(1, PUSH_TIMEOUT_MS - restMs))
    .catch(() => undefined);
  return { restMs, pushMs: push ? push.receivedAt - sent : undefined, status };
}

/** Rounds of one POST per kind at once, until N rounds or S seconds. */
async function measure(fixture: Fixture, socket: PushSocket) {
  const samples = new Map<Kind["name"], Sample[]>(KINDS.map((kind) => [kind.name, []]));
  const started = performance.now();
  const deadline = started + options.seconds * 1000;
  let rounds = 0;
  while (rounds < options.rounds && !interrupted && performance.now() < deadline) {
    const index = rounds++;
    const results = await Promise.all(KINDS.map((kind) => timePush(kind, fixture, socket, index)));
    for (const [position, kind] of KINDS.entries()) samples.get(kind.name)!.push(results[position]!);
  }
  const stoppedBy = interrupted ? "signal" : rounds >= options.rounds ? "rounds" : "time";
  return { samples, rounds, stoppedBy, seconds: (performance.now() - started) / 1000 };
}

function summarize(samples: readonly Sample[]) {
  const pushes = samples.flatMap((s) => (s.pushMs === undefined ? [] : [s.pushMs])).sort((a, b) => a - b);
  const rest = samples.map((s) => s.restMs).sort((a, b) => a - b);
  return {
    sent: samples.length,
    failedPosts: samples.filter((s) => s.status !== 201).length,
    missedPushes: samples.filter((s) => s.status === 201 && s.pushMs === undefined).length,
    restP50: roundMs(percentile(rest, 50)),
    pushP50: roundMs(percentile(pushes, 50)),
    pushP95: roundMs(percentile(pushes, 95)),
    pushP99: roundMs(percentile(pushes, 99)),
    pushMax: roundMs(pushes.at(-1) ?? 0),
  };
}

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    if (interrupted) process.exit(130);
    interrupted = true;
    console.log(`\n${signal}: finishing the pushes in flight, then stopping the stack…`);
  });
}

const outputsFile = outputsFileArg ?? process.env.HEARTH_OUTPUTS;
console.log(outputsFile ? `Using the stack in ${outputsFile}` : "Starting a throwaway local stack…");
const stack: BenchStack = outputsFile ? runningStack(outputsFile, BENCH) : await startThrowawayStack(BENCH);
let socket: PushSocket | undefined;
try {
  console.log("Preparing two members, a conversation and a socket subscribed to an item…");
  const fixture = await prepare(stack.outputs);
  socket = await PushSocket.open(fixture.webSocketUrl, fixture.receiver.token);
  await socket.request(
    { action: "subscribe", itemId: fixture.itemId },
    "subscribed",
    (f) => f.type === "subscribed",
  );
  // One of each first: the first push of a kind loads the fanout's code and clients.
  for (const kind of KINDS) {
    const warm = await kind.send(fixture, -1);
    if (warm.id) await socket.next(`the warm-up ${kind.name} push`, (f) => kind.matches(f, warm.id!), 30_000);
  }
  console.log(
    `Timing up to ${options.rounds} rounds (a message and a comment each), at most ${options.seconds} s…`,
  );
  const run = await measure(fixture, socket);
  const results = KINDS.map((kind) => ({ kind: kind.name, ...summarize(run.samples.get(kind.name)!) }));
  const path = await writeResult("realtime", {
    machine: machineInfo(),
    stack: stack.description,
    options,
    pushTimeoutMs: PUSH_TIMEOUT_MS,
    rounds: run.rounds,
    seconds: roundMs(run.seconds),
    stoppedBy: run.stoppedBy,
    results,
  });
  console.log(`\n${run.rounds} rounds in ${run.seconds.toFixed(1)} s (stopped by ${run.stoppedBy})\n`);
  console.log(
    formatTable(
      ["push", "sent", "failed POSTs", "missed", "POST p50 ms", "push p50 ms", "p95 ms", "p99 ms", "max ms"],
      results.map((r) => [
        `${r.kind}.created`,
        r.sent,
        r.failedPosts,
        r.missedPushes,
        r.restP50,
        r.pushP50,
        r.pushP95,
        r.pushP99,
        r.pushMax,
      ]),
    ),
  );
  console.log(`\nWrote ${path}`);
} finally {
  await socket?.close();
  await stack.stop();
}
