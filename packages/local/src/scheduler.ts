import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { dirname } from "node:path";

/**
 * The local stand-in for EventBridge Scheduler's one-time schedules (the notification digests): an
 * HTTP server answering the Scheduler API's CreateSchedule the way the SDK calls it (REST-JSON,
 * `POST /schedules/{Name}`), which keeps each schedule and at its `at(...)` time invokes the
 * target - the digest function, in process - then deletes it (`ActionAfterCompletion: DELETE`).
 * A failed invocation is retried twice, as Lambda retries an asynchronous invocation.
 * Pending schedules are kept in a file, so a restarted `pnpm dev` still fires them.
 */
interface LocalSchedule {
  name: string;
  groupName: string;
  /** When it fires (ms since the epoch), from `at(yyyy-mm-ddThh:mm:ss)` in UTC. */
  at: number;
  targetArn: string;
  input: string;
}

type ScheduleTarget = (input: unknown, schedule: LocalSchedule) => Promise<unknown>;

export interface LocalSchedulerOptions {
  /** Invokes the schedule's target (the digest function) with its parsed input. */
  invoke: ScheduleTarget;
  /** Pending schedules survive restarts here (`.local/schedules.json`). */
  file?: string;
  region?: string;
  log?: (line: string) => void;
  /** Delays between the retries of a failed invocation (Lambda async: about 1 and 2 minutes). */
  retryDelaysMs?: readonly number[];
}

export interface LocalScheduler {
  server: Server;
  pending(): LocalSchedule[];
  /** Resolves once no due schedule is waiting or running (later ones stay armed): for tests. */
  idle(): Promise<void>;
  close(): Promise<void>;
}

const AT_EXPRESSION = /^at\((\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})\)$/;
/** setTimeout's limit; a later schedule re-arms when it is reached. */
const MAX_TIMER_MS = 2 ** 31 - 1;

class SchedulerApiError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    request.on("error", reject);
  });
}

function send(response: ServerResponse, status: number, body: unknown, errorType?: string): void {
  response.writeHead(status, {
    "content-type": "application/json",
    ...(errorType ? { "x-amzn-errortype": errorType } : {}),
  });
  response.end(JSON.stringify(body));
}

/** The schedule a CreateSchedule body describes; a clear ValidationException for what this stand-in can't run. */
function scheduleFrom(name: string, body: Record<string, unknown>): LocalSchedule {
  const expression = typeof body.ScheduleExpression === "string" ? body.ScheduleExpression : "";
  const match = AT_EXPRESSION.exec(expression);
  if (!match) {
    throw new SchedulerApiError(
      400,
      "ValidationException",
      `Only one-time at(yyyy-mm-ddThh:mm:ss) schedules are supported locally, not "${expression}"`,
    );
  }
  const timezone = body.ScheduleExpressionTimezone;
  if (timezone !== undefined && timezone !== "UTC") {
    throw new SchedulerApiError(400, "ValidationException", "Only UTC schedules are supported locally");
  }
  const target = (body.Target ?? {}) as { Arn?: unknown; RoleArn?: unknown; Input?: unknown };
  if (typeof target.Arn !== "string" || typeof target.RoleArn !== "string") {
    throw new SchedulerApiError(400, "ValidationException", "Target.Arn and Target.RoleArn are required");
  }
  if ((body.FlexibleTimeWindow as { Mode?: unknown } | undefined)?.Mode !== "OFF") {
    throw new SchedulerApiError(
      400,
      "ValidationException",
      "Only FlexibleTimeWindow OFF is supported locally",
    );
  }
  return {
    name,
    groupName: typeof body.GroupName === "string" ? body.GroupName : "default",
    at: Date.parse(`${match[1]}Z`),
    targetArn: target.Arn,
    input: typeof target.Input === "string" ? target.Input : "{}",
  };
}

export function createLocalScheduler(options: LocalSchedulerOptions): LocalScheduler {
  const log = options.log ?? (() => {});
  const retryDelaysMs = options.retryDelaysMs ?? [1000, 2000];
  const region = options.region ?? "us-east-1";
  const schedules = new Map<string, LocalSchedule>();
  const timers = new Map<string, NodeJS.Timeout>();
  const running = new Set<Promise<void>>();
  let closed = false;
  const keyOf = (schedule: Pick<LocalSchedule, "groupName" | "name">) =>
    `${schedule.groupName}/${schedule.name}`;

  const persist = () => {
    if (!options.file) return;
    mkdirSync(dirname(options.file), { recursive: true });
    writeFileSync(options.file, `${JSON.stringify([...schedules.values()], null, 2)}\n`);
  };

  async function run(schedule: LocalSchedule): Promise<void> {
    let input: unknown;
    try {
      input = JSON.parse(schedule.input);
    } catch {
      input = schedule.input;
    }
    for (let attempt = 0; ; attempt++) {
      try {
        await options.invoke(input, schedule);
        return;
      } catch (error) {
        const delay = retryDelaysMs[attempt];
        if (delay === undefined || closed) {
          log(`Schedule ${schedule.name}: its target failed for good: ${(error as Error).message}`);
          return;
        }
        log(
          `Schedule ${schedule.name}: its target failed, retrying in ${delay} ms: ${(error as Error).message}`,
        );
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  }

  function arm(schedule: LocalSchedule): void {
    const key = keyOf(schedule);
    const wait = Math.max(0, schedule.at - Date.now());
    timers.set(
      key,
      setTimeout(
        () => {
          timers.delete(key);
          if (schedule.at > Date.now()) return arm(schedule);
          const done = run(schedule).finally(() => {
            // Deleted once it ran, as ActionAfterCompletion DELETE does.
            schedules.delete(key);
            persist();
            running.delete(done);
          });
          running.add(done);
        },
        Math.min(wait, MAX_TIMER_MS),
      ),
    );
  }

  if (options.file && existsSync(options.file)) {
    for (const schedule of JSON.parse(readFileSync(options.file, "utf8")) as LocalSchedule[]) {
      schedules.set(keyOf(schedule), schedule);
      arm(schedule);
    }
  }

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? "/", "http://localhost");
    const match = /^\/schedules\/([^/]+)$/.exec(url.pathname);
    if (request.method !== "POST" || !match?.[1]) {
      throw new SchedulerApiError(
        404,
        "ResourceNotFoundException",
        `The local scheduler answers CreateSchedule only, not ${request.method} ${url.pathname}`,
      );
    }
    const name = decodeURIComponent(match[1]);
    let body: Record<string, unknown>;
    try {
      body = JSON.parse((await readBody(request)) || "{}") as Record<string, unknown>;
    } catch {
      throw new SchedulerApiError(400, "ValidationException", "The request body is not JSON");
    }
    const schedule = scheduleFrom(name, body);
    const key = keyOf(schedule);
    if (schedules.has(key)) {
      throw new SchedulerApiError(409, "ConflictException", `Schedule ${name} already exists.`);
    }
    schedules.set(key, schedule);
    persist();
    arm(schedule);
    send(response, 200, {
      ScheduleArn: `arn:aws:scheduler:${region}:000000000000:schedule/${schedule.groupName}/${name}`,
    });
  }

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      if (error instanceof SchedulerApiError) {
        send(response, error.status, { Message: error.message }, error.type);
      } else {
        send(response, 500, { Message: "The local scheduler failed" }, "InternalServerException");
        log(`Local scheduler error: ${(error as Error).message}`);
      }
    });
  });

  return {
    server,
    pending: () => [...schedules.values()],
    idle: async () => {
      const due = () => [...schedules.values()].some((s) => s.at <= Date.now() && timers.has(keyOf(s)));
      while (running.size > 0 || due()) {
        await Promise.race([...running, new Promise((resolve) => setTimeout(resolve, 50))]);
      }
    },
    async close() {
      closed = true;
      for (const timer of timers.values()) clearTimeout(timer);
      timers.clear();
      await Promise.allSettled([...running]);
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
