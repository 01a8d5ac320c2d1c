import { type ChildProcess, fork, type SpawnOptions, spawn } from "node:child_process";

/** The last few KB a child wrote, shown when it fails to start. */
function captureOutput(child: ChildProcess): () => string {
  let output = "";
  const append = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4000);
  };
  child.stdout?.on("data", append);
  child.stderr?.on("data", append);
  return () => output.trim();
}

export interface Engine {
  name: string;
  pid: number | undefined;
  /** Output so far (for error messages). */
  output(): string;
  exited(): boolean;
  stop(): Promise<void>;
}

/**
 * Owns the engines' processes: starts them, tells the watchdog about each one (so they die
 * with us even on kill -9), and stops them all, newest first.
 */
export class ProcessGroup {
  private readonly engines: Engine[] = [];
  private watchdog: ChildProcess | undefined;

  constructor() {
    this.watchdog = fork(new URL("./watchdog.cjs", import.meta.url), [], {
      stdio: ["ignore", "ignore", "ignore", "ipc"],
      execArgv: [],
      // Own process group: Ctrl-C in the terminal must not take the watchdog down first.
      detached: true,
    });
    this.watchdog.unref();
    this.watchdog.channel?.unref();
  }

  /** Registers a process started elsewhere (DynamoDB Local through the domain helper). */
  adopt(name: string, pid: number | undefined, stop: () => Promise<void>): Engine {
    this.tellWatchdog("watch", pid);
    let stopped = false;
    const engine: Engine = {
      name,
      pid,
      output: () => "",
      exited: () => stopped,
      stop: async () => {
        await stop();
        stopped = true;
        this.tellWatchdog("forget", pid);
      },
    };
    this.engines.push(engine);
    return engine;
  }

  spawn(name: string, command: string, args: string[], options: SpawnOptions = {}): Engine {
    const child = spawn(command, args, { ...options, stdio: ["ignore", "pipe", "pipe"] });
    const output = captureOutput(child);
    this.tellWatchdog("watch", child.pid);
    child.once("exit", () => this.tellWatchdog("forget", child.pid));
    const engine: Engine = {
      name,
      pid: child.pid,
      output,
      exited: () => child.exitCode !== null || child.signalCode !== null,
      stop: () => stopChild(child),
    };
    this.engines.push(engine);
    return engine;
  }

  async stopAll(): Promise<void> {
    const engines = this.engines.splice(0).reverse();
    await Promise.allSettled(engines.map((engine) => engine.stop()));
    if (this.watchdog?.connected) this.watchdog.disconnect();
    this.watchdog = undefined;
  }

  private tellWatchdog(type: "watch" | "forget", pid: number | undefined): void {
    if (pid !== undefined && this.watchdog?.connected) this.watchdog.send({ type, pid });
  }
}

function stopChild(child: ChildProcess, graceMs = 3000): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const force = setTimeout(() => child.kill("SIGKILL"), graceMs);
    child.once("exit", () => {
      clearTimeout(force);
      resolve();
    });
    child.kill("SIGTERM");
  });
}

/** Polls `probe` until it resolves true; fails early when the engine exits, with its output. */
export async function waitUntilReady(
  engine: Engine,
  probe: () => Promise<boolean>,
  timeoutMs = 60_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (engine.exited()) {
      throw new Error(`${engine.name} exited before it was ready:\n${engine.output()}`);
    }
    if (await probe().catch(() => false)) return;
    if (Date.now() > deadline) {
      throw new Error(`${engine.name} did not become ready within ${timeoutMs} ms:\n${engine.output()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** True when an HTTP GET to `url` gets any response. */
export async function answers(url: string): Promise<boolean> {
  const response = await fetch(url, { signal: AbortSignal.timeout(1000) });
  await response.body?.cancel();
  return true;
}
