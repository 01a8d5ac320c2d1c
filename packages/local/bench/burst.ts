import { readFileSync } from "node:fs";
import { join } from "node:path";
import {
  failOverBudget,
  formatTable,
  intOption,
  machineInfo,
  writeResult,
} from "../../infra/bench/results.js";
import { Outside, type User } from "../e2e/client.js";
import { PushSocket } from "../e2e/push-socket.js";
import type { StackOutputs } from "../src/outputs.js";
import {
  type Answer,
  type BenchStack,
  latencyByRoute,
  latencyOf,
  percentile,
  roundMs,
  runningStack,
  type Sample,
  sleep,
  startThrowawayStack,
  stringOption,
  timedCall,
} from "./local-stack.js";

/**
 * `pnpm bench:burst [--requests N] [--concurrency C] [--members M] [--outputs file] [--no-sockets]
 * [--window-seconds W] [--wait S] [--seconds S] [--max-seconds S] [--report]`: a burst of API
 * requests through the local stack, and whether everything it should cause reaches the people it
 * concerns in time.
 *
 * Starts a throwaway stack on free ports in a child process (or uses the running one an outputs
 * file describes), creates M members who have all commented on a few shared items and share a
 * group conversation (plus a direct one per pair of neighbours), opens a socket per member, then
 * sends N requests from C concurrent workers: comments on the shared items (a "comment"
 * notification to every other member), likes of other members' comments, group and direct
 * messages, and reads. It measures the API's latency during the burst and, for every
 * notification a write causes, the time from the write's answer until its feed entry is listed
 * by `GET /notifications`, its email is in the local SES inbox, and its `notification.created`
 * push arrived on the recipient's socket; then counts the dead letters the stack wrote.
 *
 * Over budget (exit 1, unless `--report`): any dead letter; any notification not delivered on
 * every channel `--wait` seconds (60) after the burst's last answer; any email sent twice; any
 * 5xx or unanswered request during the burst (a burst that fails its writes would otherwise
 * "deliver everything" it managed to cause). Bounded: N requests, `--seconds` for the burst and
 * `--max-seconds` for the whole run. Only loopback addresses are ever called.
 */
const BENCH = "bench:burst";
const options = {
  requests: intOption("requests", 2000),
  concurrency: intOption("concurrency", 16),
  members: intOption("members", 6),
  /** The stack's notification window: a throwaway stack is started with it. */
  windowSeconds: intOption("window-seconds", 10),
  /** How long after the burst's end everything must have been delivered. */
  waitSeconds: intOption("wait", 60),
  /** Cap on the burst itself. */
  seconds: intOption("seconds", 600),
  /** Hard cap on the whole run, stack start to stop. */
  maxSeconds: intOption("max-seconds", 1200),
  sockets: !process.argv.includes("--no-sockets"),
};
const outputsFileArg = stringOption("outputs");
const REQUEST_TIMEOUT_MS = 10_000;
const SHARED_ITEMS = 3;
/** How often each member's feed is read while notifications are awaited (these reads load the stack too). */
const FEED_POLL_MS = 1000;
/** How often the SES inbox is read (it is another process: cheap for the stack). */
const INBOX_POLL_MS = 250;
const FEED_PAGE = 100;

/**
 * The throwaway stack's settings. The rate limits are raised so members can keep writing for the
 * whole burst (a 429 causes nothing to deliver). The notification window is short so the digests
 * of the burst's windows are sent within the wait: emails are debounced per recipient per kind
 * per window, the first event of a window is emailed at once, the later ones held and listed in
 * the window's digest when it closes.
 */
const unlimited = { limit: 100_000, windowSeconds: 60 };
const STACK_SETTINGS = {
  NOTIFICATION_WINDOW_SECONDS: String(options.windowSeconds),
  RATE_LIMITS: JSON.stringify({ comments: unlimited, messages: unlimited, reactions: unlimited }),
};

let interrupted = false;
const hardDeadline = Date.now() + options.maxSeconds * 1000;
const timeLeft = () => !interrupted && Date.now() < hardDeadline;

// --- HTTP ------------------------------------------------------------------------------------

const ok = (status: number) => status >= 200 && status < 300;

async function expectOk(what: string, answer: Promise<Answer>): Promise<Record<string, unknown>> {
  const result = await answer;
  if (!ok(result.status)) {
    throw new Error(`Setup step "${what}" answered ${result.status}: ${JSON.stringify(result.body)}`);
  }
  return result.body;
}

// --- What is expected, and where it shows ---------------------------------------------------

type Kind = "comment" | "reaction" | "message";
const KINDS: readonly Kind[] = ["comment", "reaction", "message"];

/** One notification the burst caused: one write, one recipient. */
interface Expected {
  kind: Kind;
  recipient: Member;
  /** performance.now() when the write was answered: lags are measured from there. */
  ackedAt: number;
  /** Wall clock when the write was sent: its feed entry is no older than this (same machine). */
  sentWall: number;
  /** How its feed entry and push are recognized (per recipient). */
  feedKey: string;
  /** How its own email is recognized (per recipient); a digest only counts it. */
  emailKey: string;
  feedAt?: number;
  pushAt?: number;
  pushes: number;
  emailAt?: number;
  emails: number;
  /** Listed in a digest rather than emailed on its own (assigned when the run is summed up). */
  digestAt?: number;
}

interface Member extends User {
  displayName: string;
  socket?: PushSocket;
}

/** The feed entry's (and push's) identity: what the write that caused it answered with. */
function feedKeyOf(entry: {
  kind: string;
  commentId?: string | null;
  conversationId?: string | null;
  preview?: string;
  actor?: { userId: string };
}): string {
  if (entry.kind === "reaction") return `reaction|${entry.commentId}|${entry.actor?.userId}`;
  if (entry.kind === "message") return `message|${entry.conversationId}|${entry.preview}`;
  return `${entry.kind}|${entry.commentId}`;
}

interface Inboxed {
  messageId: string;
  subject: string;
  destination: { to: string[] };
  body: { text?: string };
}

/** What an email is about: one event (its key), or a digest's counts per kind. */
function emailContent(
  mail: Inboxed,
): { key: string } | { digest: Array<{ kind: Kind; count: number }> } | undefined {
  const text = mail.body.text ?? "";
  if (text.startsWith("Since our last email:")) {
    // The digest's own words: "2 new comments on", "1 new reaction on", "3 new messages in".
    const nouns: Record<string, Kind> = { comment: "comment", reaction: "reaction", message: "message" };
    const digest = [...text.matchAll(/^(\d+) new (comment|reaction|message)s? (?:on|in) "/gm)].map(
      (match) => ({
        kind: nouns[match[2]!]!,
        count: Number(match[1]),
      }),
    );
    return { digest };
  }
  const quote = /^> (.*)$/m.exec(text)?.[1];
  if (quote === undefined) return undefined;
  if (mail.subject.startsWith("New comment on ")) return { key: `comment|${quote}` };
  if (mail.subject.startsWith("New message from ")) return { key: `message|${quote}` };
  const liked = mail.subject.indexOf(" liked your comment on ");
  if (liked > 0) return { key: `reaction|${mail.subject.slice(0, liked)}|${quote}` };
  return undefined;
}

class Ledger {
  readonly all: Expected[] = [];
  private readonly byFeedKey = new Map<string, Expected>();
  private readonly byEmailKey = new Map<string, Expected>();
  readonly digests: Array<{ recipient: string; kind: Kind; count: number; at: number }> = [];
  /** Emails and pushes the burst did not cause (left from the preparation, or unrecognized). */
  unexpectedEmails = 0;
  private readonly seenEmails = new Set<string>();

  expect(entry: Omit<Expected, "pushes" | "emails">): void {
    const expected: Expected = { ...entry, pushes: 0, emails: 0 };
    this.all.push(expected);
    this.byFeedKey.set(`${expected.recipient.userId}|${expected.feedKey}`, expected);
    this.byEmailKey.set(`${expected.recipient.email}|${expected.emailKey}`, expected);
  }

  feedEntry(recipient: Member, entry: Parameters<typeof feedKeyOf>[0], at: number): void {
    const expected = this.byFeedKey.get(`${recipient.userId}|${feedKeyOf(entry)}`);
    if (expected && expected.feedAt === undefined) expected.feedAt = at;
  }

  push(recipient: Member, frame: Record<string, unknown>, at: number): void {
    if (frame.type !== "notification.created") return;
    const entry = frame.notification as Parameters<typeof feedKeyOf>[0] | undefined;
    if (!entry) return;
    const expected = this.byFeedKey.get(`${recipient.userId}|${feedKeyOf(entry)}`);
    if (!expected) return;
    expected.pushes++;
    expected.pushAt ??= at;
  }

  email(mail: Inboxed, at: number): void {
    if (this.seenEmails.has(mail.messageId)) return;
    this.seenEmails.add(mail.messageId);
    const content = emailContent(mail);
    for (const to of mail.destination.to) {
      if (!content) {
        this.unexpectedEmails++;
      } else if ("digest" in content) {
        for (const { kind, count } of content.digest) this.digests.push({ recipient: to, kind, count, at });
      } else {
        const expected = this.byEmailKey.get(`${to}|${content.key}`);
        if (!expected) {
          this.unexpectedEmails++;
          continue;
        }
        expected.emails++;
        expected.emailAt ??= at;
      }
    }
  }

  pendingFeedOf(member: Member): Expected[] {
    return this.all.filter((e) => e.recipient === member && e.feedAt === undefined);
  }

  /**
   * Each digest lists the held events of its window by count only, so the events not emailed on
   * their own are given to the digests of their recipient and kind in order: a digest takes as
   * many of the oldest events not yet accounted for as it counts, among those written before it
   * arrived. Returns how many events each (recipient, kind) still lacks an email for.
   */
  assignDigests(): number {
    for (const expected of this.all) expected.digestAt = undefined;
    const waiting = new Map<string, Expected[]>();
    for (const expected of this.all) {
      if (expected.emailAt !== undefined) continue;
      const key = `${expected.recipient.email}|${expected.kind}`;
      waiting.set(key, [...(waiting.get(key) ?? []), expected]);
    }
    for (const list of waiting.values()) list.sort((a, b) => a.ackedAt - b.ackedAt);
    for (const digest of [...this.digests].sort((a, b) => a.at - b.at)) {
      const list = waiting.get(`${digest.recipient}|${digest.kind}`) ?? [];
      let left = digest.count;
      for (const expected of list) {
        if (left === 0) break;
        if (expected.digestAt !== undefined || expected.ackedAt > digest.at) continue;
        expected.digestAt = digest.at;
        left--;
      }
    }
    return this.all.filter((e) => e.emailAt === undefined && e.digestAt === undefined).length;
  }
}

// --- Observers ---------------------------------------------------------------------------------

/** The SES inbox, read every INBOX_POLL_MS (only what arrived since a little before the last read). */
async function watchInbox(outputs: StackOutputs, ledger: Ledger, active: () => boolean): Promise<void> {
  let sinceSeconds = Math.floor(Date.now() / 1000) - 1;
  while (active()) {
    const readAt = Date.now();
    try {
      const response = await fetch(`${outputs.SesEndpoint}/store?since=${sinceSeconds}`, {
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
      const { emails } = (await response.json()) as { emails: Inboxed[] };
      const at = performance.now();
      for (const mail of emails) ledger.email(mail, at);
      // `at` is in whole seconds: overlap by two, the ledger skips what it saw.
      sinceSeconds = Math.floor(readAt / 1000) - 2;
    } catch {
      // The next read tries again; the wait's deadline bounds it.
    }
    await sleep(INBOX_POLL_MS);
  }
}

interface Observed {
  feedReads: Sample[];
}

/**
 * A member's feed, read every FEED_POLL_MS while they have entries to come. The feed is newest
 * first by the time of the event, and a late entry is placed by its event's time, so each read
 * pages back to the oldest write still awaited (a lagging stack means more pages).
 */
async function watchFeed(
  apiUrl: string,
  member: Member,
  ledger: Ledger,
  observed: Observed,
  active: () => boolean,
): Promise<void> {
  while (active()) {
    const pending = ledger.pendingFeedOf(member);
    if (pending.length > 0) {
      const oldest = new Date(Math.min(...pending.map((e) => e.sentWall)) - 2000).toISOString();
      let cursor: string | undefined;
      do {
        const query = `?limit=${FEED_PAGE}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`;
        const answer = await timedCall(apiUrl, "GET /notifications", "GET", `/notifications${query}`, member);
        observed.feedReads.push({ route: answer.route, status: answer.status, ms: answer.ms });
        if (!ok(answer.status)) break;
        const entries = answer.body.notifications as Array<
          Parameters<typeof feedKeyOf>[0] & { notificationId: string }
        >;
        for (const entry of entries) ledger.feedEntry(member, entry, answer.at);
        const last = entries.at(-1);
        cursor = typeof answer.body.nextCursor === "string" ? answer.body.nextCursor : undefined;
        if (!last || last.notificationId < oldest) cursor = undefined;
      } while (cursor && active());
    }
    await sleep(FEED_POLL_MS);
  }
}

/** Takes the frames each socket got since the last look. */
function collectPushes(members: readonly Member[], ledger: Ledger, seen: Map<Member, number>): void {
  for (const member of members) {
    const frames = member.socket?.frames ?? [];
    for (let index = seen.get(member) ?? 0; index < frames.length; index++) {
      const frame = frames[index]!;
      if (typeof frame.data === "object" && frame.data !== null) {
        ledger.push(member, frame.data as Record<string, unknown>, frame.at);
      }
    }
    seen.set(member, frames.length);
  }
}

// --- The fixture ---------------------------------------------------------------------------

interface Comment {
  commentId: string;
  itemPath: string;
  author: Member;
  text: string;
}

interface Fixture {
  apiUrl: string;
  members: Member[];
  itemPaths: string[];
  /** Every comment so far (the preparation's and the burst's): what likes pick from. */
  comments: Comment[];
  /** `${reactorId}|${commentId}`: each member likes a comment once (a second toggle is an unlike). */
  liked: Set<string>;
  group: { conversationId: string; path: string };
  /** Member i's direct conversation with member i+1. */
  direct: Array<{ conversationId: string; path: string; with: Member }>;
  runId: string;
}

const NAMES = ["Ada", "Ben", "Cleo", "Dev", "Eli", "Fay", "Gus", "Hal", "Ida", "Jo", "Kit", "Lou"];

async function prepare(outputs: StackOutputs): Promise<Fixture> {
  if (options.members < 2) throw new Error("--members needs at least 2 (someone must be told)");
  if (options.members > NAMES.length) throw new Error(`--members is at most ${NAMES.length}`);
  if (!outputs.SesEndpoint)
    throw new Error("The outputs have no SesEndpoint: emails can only be read locally");
  const outside = new Outside(outputs);
  const users = await Promise.all(
    NAMES.slice(0, options.members).map((name) => outside.signUp(`Burst${name}`, ["ApprovedUsers"])),
  );
  outside.cognito.destroy();
  const apiUrl = outputs.ApiUrl.replace(/\/$/, "");
  const members: Member[] = [];
  for (const [index, user] of users.entries()) {
    const displayName = `${NAMES[index]} Burst`;
    await expectOk("set profile", timedCall(apiUrl, "", "PUT", "/profile", user, { displayName }));
    members.push({ ...user, displayName });
  }
  const fixture: Fixture = {
    apiUrl,
    members,
    itemPaths: Array.from(
      { length: SHARED_ITEMS },
      (_, item) => `/comments/${encodeURIComponent(`/bench/burst-${outside.runId}/album ${item}`)}`,
    ),
    comments: [],
    liked: new Set(),
    group: { conversationId: "", path: "" },
    direct: [],
    runId: outside.runId,
  };
  // Everyone comments on every shared item: each later comment is news to all the others.
  for (const itemPath of fixture.itemPaths) {
    for (const member of members) {
      const text = `Seed ${fixture.comments.length} of run ${fixture.runId}`;
      const body = await expectOk(
        "post comment",
        timedCall(apiUrl, "", "POST", itemPath, member, { commentText: text, itemTitle: "Burst benchmark" }),
      );
      fixture.comments.push({ commentId: String(body.commentId), itemPath, author: member, text });
    }
  }
  const start = async (from: Member, to: Member[], title?: string) => {
    const body = await expectOk(
      "start conversation",
      timedCall(apiUrl, "", "POST", "/messages/conversations", from, {
        participantIds: to.map((member) => member.userId),
        ...(title ? { title } : {}),
        messageText: `Starting ${title ?? "a chat"} (run ${fixture.runId})`,
      }),
    );
    const conversationId = String(body.conversationId);
    return { conversationId, path: `/messages/conversations/${encodeURIComponent(conversationId)}` };
  };
  fixture.group = await start(members[0]!, members.slice(1), "Burst benchmark");
  for (const [index, member] of members.entries()) {
    const other = members[(index + 1) % members.length]!;
    // Two members: one direct conversation, which both directions use.
    if (members.length === 2 && index === 1) {
      fixture.direct.push({ ...fixture.direct[0]!, with: other });
      continue;
    }
    fixture.direct.push({ ...(await start(member, [other])), with: other });
  }
  const like = await timedCall(
    apiUrl,
    "",
    "POST",
    `/reactions/${fixture.comments[0]!.commentId}`,
    members[1]!,
  );
  if (!ok(like.status)) throw new Error(`Setup step "like" answered ${like.status}`);
  fixture.liked.add(`${members[1]!.userId}|${fixture.comments[0]!.commentId}`);
  return fixture;
}

async function openSockets(outputs: StackOutputs, fixture: Fixture): Promise<void> {
  if (!outputs.WebSocketUrl) throw new Error("The outputs have no WebSocketUrl (or run with --no-sockets)");
  for (const member of fixture.members) {
    member.socket = await PushSocket.open(outputs.WebSocketUrl, member.token);
    // Following the shared items too, as an open item page does: the fanout of comments has work.
    for (const itemPath of fixture.itemPaths) {
      const itemId = decodeURIComponent(itemPath.slice("/comments/".length));
      await member.socket.request(
        { action: "subscribe", itemId },
        "subscribed",
        (f) => f.type === "subscribed",
      );
    }
  }
}

/**
 * The preparation's own comments and messages opened notification windows and held events for
 * digests: wait until those windows are over and the inbox has been quiet for a while, so the
 * burst's emails are the only ones counted. (A long window, a running stack's 15 minutes by
 * default, is not waited for: its digests come after the run and are not counted.)
 */
async function settle(outputs: StackOutputs): Promise<void> {
  if (options.windowSeconds > options.waitSeconds) return;
  const ledger = new Ledger();
  let lastSeen = performance.now();
  let count = 0;
  const until = performance.now() + (options.windowSeconds + 3) * 1000;
  const quietFor = 3000;
  let watching = true;
  const inbox = watchInbox(outputs, ledger, () => watching);
  while (timeLeft()) {
    await sleep(500);
    const seen = ledger.digests.length + ledger.unexpectedEmails;
    if (seen !== count) {
      count = seen;
      lastSeen = performance.now();
    }
    if (performance.now() > until && performance.now() - lastSeen > quietFor) break;
  }
  watching = false;
  await inbox;
}

// --- The burst -------------------------------------------------------------------------------

type Operation = (fixture: Fixture, index: number, ledger: Ledger) => Promise<Sample>;

const writerFor = (fixture: Fixture, index: number) => fixture.members[index % fixture.members.length]!;

const OPERATIONS: Record<string, Operation> = {
  postComment: async (fixture, index, ledger) => {
    const author = writerFor(fixture, index);
    const itemPath = fixture.itemPaths[index % fixture.itemPaths.length]!;
    const text = `Burst comment ${index} of run ${fixture.runId}`;
    const sentWall = Date.now();
    const answer = await timedCall(fixture.apiUrl, "POST /comments/{itemId}", "POST", itemPath, author, {
      commentText: text,
      itemTitle: "Burst benchmark",
    });
    if (answer.status === 201) {
      const commentId = String(answer.body.commentId);
      fixture.comments.push({ commentId, itemPath, author, text });
      // Every other member commented on the item before: each is told.
      for (const recipient of fixture.members) {
        if (recipient === author) continue;
        ledger.expect({
          kind: "comment",
          recipient,
          ackedAt: answer.at,
          sentWall,
          feedKey: `comment|${commentId}`,
          emailKey: `comment|${text}`,
        });
      }
    }
    return answer;
  },
  like: async (fixture, index, ledger) => {
    const reactor = writerFor(fixture, index);
    // The newest comment of someone else this member has not liked yet.
    const target = fixture.comments.findLast(
      (comment) => comment.author !== reactor && !fixture.liked.has(`${reactor.userId}|${comment.commentId}`),
    );
    if (!target) return OPERATIONS.listComments!(fixture, index, ledger);
    fixture.liked.add(`${reactor.userId}|${target.commentId}`);
    const sentWall = Date.now();
    const answer = await timedCall(
      fixture.apiUrl,
      "POST /reactions/{commentId}",
      "POST",
      `/reactions/${target.commentId}`,
      reactor,
    );
    if (ok(answer.status) && answer.body.liked === true) {
      ledger.expect({
        kind: "reaction",
        recipient: target.author,
        ackedAt: answer.at,
        sentWall,
        feedKey: `reaction|${target.commentId}|${reactor.userId}`,
        emailKey: `reaction|${reactor.displayName}|${target.text}`,
      });
    }
    return answer;
  },
  groupMessage: (fixture, index, ledger) =>
    sendMessage(fixture, index, ledger, fixture.group, (sender) =>
      fixture.members.filter((m) => m !== sender),
    ),
  directMessage: (fixture, index, ledger) => {
    const position = index % fixture.members.length;
    const conversation = fixture.direct[position]!;
    return sendMessage(fixture, index, ledger, conversation, () => [conversation.with]);
  },
  listComments: (fixture, index) =>
    timedCall(
      fixture.apiUrl,
      "GET /comments/{itemId}",
      "GET",
      `${fixture.itemPaths[index % fixture.itemPaths.length]!}?limit=20`,
      writerFor(fixture, index),
    ),
  listConversations: (fixture, index) =>
    timedCall(
      fixture.apiUrl,
      "GET /messages/conversations",
      "GET",
      "/messages/conversations",
      writerFor(fixture, index),
    ),
  listMessages: (fixture, index) =>
    timedCall(
      fixture.apiUrl,
      "GET /messages/conversations/{conversationId}",
      "GET",
      `${fixture.group.path}?limit=20`,
      writerFor(fixture, index),
    ),
  readFeed: (fixture, index) =>
    timedCall(
      fixture.apiUrl,
      "GET /notifications",
      "GET",
      "/notifications?limit=20",
      writerFor(fixture, index),
    ),
  getProfile: (fixture, index) =>
    timedCall(
      fixture.apiUrl,
      "GET /profile/{userId}",
      "GET",
      `/profile/${writerFor(fixture, index + 1).userId}`,
      writerFor(fixture, index),
    ),
};

async function sendMessage(
  fixture: Fixture,
  index: number,
  ledger: Ledger,
  conversation: { conversationId: string; path: string },
  recipientsOf: (sender: Member) => Member[],
): Promise<Sample> {
  const sender = writerFor(fixture, index);
  const text = `Burst message ${index} of run ${fixture.runId}`;
  const sentWall = Date.now();
  const answer = await timedCall(
    fixture.apiUrl,
    "POST /messages/conversations/{conversationId}",
    "POST",
    conversation.path,
    sender,
    { messageText: text },
  );
  if (answer.status === 201) {
    for (const recipient of recipientsOf(sender)) {
      ledger.expect({
        kind: "message",
        recipient,
        ackedAt: answer.at,
        sentWall,
        feedKey: `message|${conversation.conversationId}|${text}`,
        emailKey: `message|${text}`,
      });
    }
  }
  return answer;
}

/** A fixed cycle of 20 (every run sends the same requests in the same order): half writes, half reads. */
const MIX: ReadonlyArray<keyof typeof OPERATIONS> = [
  ...Array<string>(4).fill("postComment"),
  ...Array<string>(3).fill("like"),
  ...Array<string>(2).fill("groupMessage"),
  "directMessage",
  ...Array<string>(3).fill("listComments"),
  ...Array<string>(2).fill("listConversations"),
  ...Array<string>(2).fill("readFeed"),
  "listMessages",
  ...Array<string>(2).fill("getProfile"),
].map((_, position, all) => all[(position * 7) % all.length]!); // interleaved, not in blocks

async function burst(fixture: Fixture, ledger: Ledger) {
  const samples: Sample[] = [];
  const errors: Array<Sample & { body: unknown }> = [];
  const started = performance.now();
  const deadline = started + options.seconds * 1000;
  let issued = 0;
  const worker = async () => {
    while (timeLeft() && issued < options.requests && performance.now() < deadline) {
      const index = issued++;
      const { body, ...sample } = (await OPERATIONS[MIX[index % MIX.length]!]!(
        fixture,
        index,
        ledger,
      )) as Answer;
      samples.push({ route: sample.route, status: sample.status, ms: sample.ms });
      if (!ok(sample.status) && errors.length < 20) errors.push({ ...sample, body });
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  const ended = performance.now();
  const stoppedBy = interrupted ? "signal" : issued >= options.requests ? "requests" : "time";
  return { samples, errors, seconds: (ended - started) / 1000, ended, stoppedBy };
}

// --- Statistics ------------------------------------------------------------------------------

function lag(name: string, expected: readonly Expected[], at: (e: Expected) => number | undefined) {
  const lags = expected.flatMap((e) => {
    const arrived = at(e);
    return arrived === undefined ? [] : [arrived - e.ackedAt];
  });
  lags.sort((a, b) => a - b);
  return {
    channel: name,
    expected: expected.length,
    delivered: lags.length,
    missing: expected.length - lags.length,
    p50: roundMs(percentile(lags, 50)),
    p99: roundMs(percentile(lags, 99)),
    max: roundMs(lags.at(-1) ?? 0),
  };
}

function deadLettersIn(dataDir: string): number {
  try {
    return readFileSync(join(dataDir, "dead-letters.jsonl"), "utf8").split("\n").filter(Boolean).length;
  } catch {
    return 0;
  }
}

// --- Main --------------------------------------------------------------------------------------

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    if (interrupted) process.exit(130);
    interrupted = true;
    console.log(`\n${signal}: stopping the workers, then the stack…`);
  });
}
// The hard cap: whatever is still running then, the run ends (the throwaway stack watches us and stops).
setTimeout(
  () => {
    console.error(
      `${BENCH}: still running after --max-seconds ${options.maxSeconds} (+30 s to stop); giving up`,
    );
    process.exit(2);
  },
  (options.maxSeconds + 30) * 1000,
).unref();

const outputsFile = outputsFileArg ?? process.env.HEARTH_OUTPUTS;
console.log(
  outputsFile
    ? `Using the stack in ${outputsFile} (its notification window must be --window-seconds ${options.windowSeconds})`
    : `Starting a throwaway local stack (notification window ${options.windowSeconds} s)…`,
);
const stack: BenchStack = outputsFile
  ? runningStack(outputsFile, BENCH)
  : await startThrowawayStack(BENCH, STACK_SETTINGS);
const fixtureMembers: Member[] = [];
try {
  const deadLettersBefore = deadLettersIn(stack.dataDir);
  console.log(`Preparing ${options.members} members, ${SHARED_ITEMS} shared items and their conversations…`);
  const fixture = await prepare(stack.outputs);
  fixtureMembers.push(...fixture.members);
  if (options.sockets) await openSockets(stack.outputs, fixture);
  console.log("Waiting for the preparation's notification windows to close…");
  await settle(stack.outputs);

  const ledger = new Ledger();
  const observed: Observed = { feedReads: [] };
  let observing = true;
  const active = () => observing && timeLeft();
  const watchers = [
    watchInbox(stack.outputs, ledger, active),
    ...fixture.members.map((member) => watchFeed(fixture.apiUrl, member, ledger, observed, active)),
  ];
  const seenFrames = new Map<Member, number>();

  console.log(
    `Sending ${options.requests} requests with ${options.concurrency} workers (at most ${options.seconds} s)…`,
  );
  const run = await burst(fixture, ledger);
  console.log(
    `Burst done in ${run.seconds.toFixed(1)} s; waiting up to ${options.waitSeconds} s for ${ledger.all.length} notifications on every channel…`,
  );
  const waitUntil = run.ended + options.waitSeconds * 1000;
  const delivered = () => {
    collectPushes(fixture.members, ledger, seenFrames);
    const emailsMissing = options.windowSeconds > options.waitSeconds ? 0 : ledger.assignDigests();
    return (
      emailsMissing === 0 &&
      ledger.all.every((e) => e.feedAt !== undefined && (!options.sockets || e.pushAt !== undefined))
    );
  };
  while (timeLeft() && performance.now() < waitUntil && !delivered()) await sleep(500);
  const waitedSeconds = (performance.now() - run.ended) / 1000;
  observing = false;
  await Promise.all(watchers);
  collectPushes(fixture.members, ledger, seenFrames);
  ledger.assignDigests();
  const deadLetters = deadLettersIn(stack.dataDir) - deadLettersBefore;

  // --- Report ---
  const { routes, overall } = latencyByRoute(run.samples, run.seconds);
  const statuses: Record<string, number> = {};
  for (const sample of run.samples) {
    if (!ok(sample.status)) statuses[String(sample.status)] = (statuses[String(sample.status)] ?? 0) + 1;
  }
  const serverErrors = run.samples.filter((sample) => sample.status === 0 || sample.status >= 500).length;
  const windowAwaited = options.windowSeconds <= options.waitSeconds;
  const emailed = ledger.all.filter((e) => e.emailAt !== undefined);
  const digested = ledger.all.filter((e) => e.emailAt === undefined && e.digestAt !== undefined);
  const emailsMissing = windowAwaited
    ? ledger.all.filter((e) => e.emailAt === undefined && e.digestAt === undefined).length
    : 0;
  const emailsTwice = ledger.all.filter((e) => e.emails > 1).length;
  const pushesTwice = ledger.all.filter((e) => e.pushes > 1).length;
  const channels = [
    lag("feed (GET /notifications)", ledger.all, (e) => e.feedAt),
    ...(options.sockets ? [lag("push (notification.created)", ledger.all, (e) => e.pushAt)] : []),
    {
      // Delivered: emailed on its own or listed in a digest. The lags are those of the events
      // that opened a window (emailed on their own at once) …
      ...lag("email (lags: own emails)", emailed, (e) => e.emailAt),
      expected: ledger.all.length,
      delivered: emailed.length + digested.length,
      missing: emailsMissing,
    },
    // … and these of the held ones, to their window's digest (the rest of the window included).
    lag("  of which in a digest", digested, (e) => e.digestAt),
  ];
  const byKind = Object.fromEntries(
    KINDS.map((kind) => {
      const ofKind = ledger.all.filter((e) => e.kind === kind);
      return [
        kind,
        {
          expected: ofKind.length,
          feed: lag("feed", ofKind, (e) => e.feedAt),
          push: options.sockets ? lag("push", ofKind, (e) => e.pushAt) : null,
          email: lag("email", ofKind, (e) => e.emailAt),
          digest: lag("digest", ofKind, (e) => (e.emailAt === undefined ? e.digestAt : undefined)),
        },
      ];
    }),
  );
  const feedReads = latencyOf(observed.feedReads, run.seconds + waitedSeconds);
  const framesByType: Record<string, number> = {};
  for (const member of fixture.members) {
    for (const frame of member.socket?.frames ?? []) {
      const type = String((frame.data as { type?: unknown } | null)?.type ?? "(not JSON)");
      framesByType[type] = (framesByType[type] ?? 0) + 1;
    }
  }
  const overBudget = [
    deadLetters > 0 && `${deadLetters} dead letter(s) in ${join(stack.dataDir, "dead-letters.jsonl")}`,
    ...channels
      .filter((channel) => channel.missing > 0)
      .map(
        (channel) =>
          `${channel.missing} not delivered by ${channel.channel} ${options.waitSeconds} s after the burst`,
      ),
    emailsTwice > 0 && `${emailsTwice} notification(s) emailed more than once`,
    serverErrors > 0 && `${serverErrors} request(s) answered 5xx or not at all during the burst`,
  ].filter((line): line is string => typeof line === "string");

  const path = await writeResult("burst", {
    machine: machineInfo(),
    stack: stack.description,
    options,
    mix: MIX,
    burst: { seconds: roundMs(run.seconds), stoppedBy: run.stoppedBy, overall, statuses, routes },
    errorSamples: run.errors,
    notifications: {
      expected: ledger.all.length,
      waitedSeconds: roundMs(waitedSeconds),
      channels,
      byKind,
      digests: ledger.digests.length,
      heldNotAwaited: windowAwaited ? 0 : ledger.all.length - emailed.length,
      emailsTwice,
      pushesTwice,
      unexpectedEmails: ledger.unexpectedEmails,
      framesByType,
    },
    feedReadsWhileWaiting: feedReads,
    deadLetters,
    overBudget,
  });

  console.log(
    `\n${run.samples.length} requests in ${run.seconds.toFixed(1)} s (stopped by ${run.stoppedBy}), ${options.concurrency} workers, ${options.members} members\n`,
  );
  const row = (name: string, stats: ReturnType<typeof latencyOf>) => [
    name,
    stats.count,
    stats.errors,
    stats.requestsPerSecond,
    stats.p50,
    stats.p99,
    stats.max,
  ];
  console.log(
    formatTable(
      ["route", "count", "errors", "req/s", "p50 ms", "p99 ms", "max ms"],
      [...routes.map((stats) => row(stats.route, stats)), row("overall", overall)],
    ),
  );
  if (Object.keys(statuses).length) console.log(`\nErrors by status: ${JSON.stringify(statuses)}`);
  for (const error of run.errors.slice(0, 5)) {
    console.log(`  ${error.status} ${error.route}: ${JSON.stringify(error.body).slice(0, 200)}`);
  }
  console.log(
    `\n${ledger.all.length} notifications (${KINDS.map((kind) => `${byKind[kind]!.expected} ${kind}`).join(", ")}), lag from the write's answer; waited ${waitedSeconds.toFixed(1)} s after the burst\n`,
  );
  console.log(
    formatTable(
      ["channel", "expected", "delivered", "missing", "p50 ms", "p99 ms", "max ms"],
      channels.map((c) => [c.channel, c.expected, c.delivered, c.missing, c.p50, c.p99, c.max]),
    ),
  );
  console.log(
    `\nDigests: ${ledger.digests.length}; emailed twice: ${emailsTwice}; pushed twice: ${pushesTwice}; other emails: ${ledger.unexpectedEmails}` +
      (windowAwaited
        ? ""
        : `; ${ledger.all.length - emailed.length} held for digests due after the wait (not counted)`),
  );
  console.log(
    `Feed reads by the observer (not in the burst's numbers): ${feedReads.count}, p50 ${feedReads.p50} ms, p99 ${feedReads.p99} ms`,
  );
  if (options.sockets) console.log(`Frames on the sockets: ${JSON.stringify(framesByType)}`);
  console.log(`Dead letters: ${deadLetters}`);
  console.log(`\nWrote ${path}`);
  if (overBudget.length) {
    console.error(`\nOver budget:\n${overBudget.map((line) => `  - ${line}`).join("\n")}`);
    failOverBudget();
  } else {
    console.log("Within budget: no dead letter, everything delivered, no email twice, no 5xx.");
  }
} finally {
  await Promise.all(fixtureMembers.map((member) => member.socket?.close()));
  await stack.stop();
}
