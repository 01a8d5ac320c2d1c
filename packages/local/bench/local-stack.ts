import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { freePort } from "@hearth/domain/testing";
import { configFromEnv, REPO_ROOT } from "../src/config.js";
import { readOutputs, type StackOutputs } from "../src/outputs.js";

/** The stack a local benchmark runs against: a throwaway one in a child process, or a running one. */
export interface BenchStack {
  outputs: StackOutputs;
  description: string;
  /** Where the stack keeps its data (`dead-letters.jsonl` among it). */
  dataDir: string;
  stop(): Promise<void>;
}

const STACK_START_TIMEOUT_MS = 180_000;
const STACK_STOP_TIMEOUT_MS = 30_000;

/** `--name value` from the command line. */
export function stringOption(name: string): string | undefined {
  const index = process.argv.indexOf(`--${name}`);
  if (index < 0) return undefined;
  const value = process.argv[index + 1];
  if (!value || value.startsWith("--")) throw new Error(`--${name} needs a value`);
  return value;
}

/** Refuses anything but this machine: a benchmark must never load a deployed stack. */
export function assertLoopback(outputs: StackOutputs, bench: string): void {
  const loopback = new Set(["127.0.0.1", "localhost", "[::1]"]);
  const urls: Array<readonly [string, string | undefined]> = [
    ["ApiUrl", outputs.ApiUrl],
    ["CognitoEndpoint", outputs.CognitoEndpoint],
  ];
  if (outputs.WebSocketUrl !== undefined) urls.push(["WebSocketUrl", outputs.WebSocketUrl]);
  for (const [name, url] of urls) {
    if (!url || !loopback.has(new URL(url).hostname)) {
      throw new Error(`${name} (${url ?? "missing"}) is not a loopback address: ${bench} runs locally only`);
    }
  }
}

/**
 * `pnpm dev` in its own process, on free ports and a temporary data directory, so the load
 * generator and the stack don't share an event loop. It stops on SIGTERM, and by itself when
 * this process dies (it watches its launchers); its engines die with it (the watchdog).
 * `settings` are more of `pnpm dev`'s environment settings (a notification window, rate limits).
 */
export async function startThrowawayStack(
  bench: string,
  settings: Record<string, string> = {},
): Promise<BenchStack> {
  const dataDir = mkdtempSync(join(tmpdir(), `hearth-${bench.replace(/:/g, "-")}-`));
  const env: NodeJS.ProcessEnv = { ...process.env, ...settings, HEARTH_LOCAL_DIR: dataDir };
  // An external DynamoDB would share the default table prefix with a running `pnpm dev`.
  delete env.DYNAMODB_ENDPOINT;
  // Every port the stack has a setting for, so none collides with a running `pnpm dev`.
  for (const { envVar } of Object.values(configFromEnv({}).ports)) env[envVar] = String(await freePort());
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
    assertLoopback(outputs, bench);
    return { outputs, description: "throwaway (pnpm dev on free ports, own process)", dataDir, stop };
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

/** A stack `pnpm dev` runs already; its outputs file is in its data directory, as `pnpm dev` writes it. */
export function runningStack(file: string, bench: string): BenchStack {
  const outputs = readOutputs(resolve(file));
  assertLoopback(outputs, bench);
  return { outputs, description: `running (${file})`, dataDir: dirname(resolve(file)), stop: async () => {} };
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Nearest-rank percentile of sorted values. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/** Milliseconds to a tenth, as the benchmarks report them. */
export const roundMs = (ms: number) => Math.round(ms * 10) / 10;

/** The latency and throughput of timed calls over a run of `seconds` (errors: answers outside 2xx). */
export function latencyOf(samples: readonly Sample[], seconds: number) {
  const sorted = samples.map((sample) => sample.ms).sort((a, b) => a - b);
  return {
    count: samples.length,
    errors: samples.filter((sample) => sample.status < 200 || sample.status >= 300).length,
    requestsPerSecond: roundMs(samples.length / seconds),
    p50: roundMs(percentile(sorted, 50)),
    p95: roundMs(percentile(sorted, 95)),
    p99: roundMs(percentile(sorted, 99)),
    max: roundMs(sorted.at(-1) ?? 0),
  };
}

/** `latencyOf` per route (sorted by route) and over all of them. */
export function latencyByRoute(samples: readonly Sample[], seconds: number) {
  const routes = [...new Set(samples.map((sample) => sample.route))].sort().map((route) => ({
    route,
    ...latencyOf(
      samples.filter((sample) => sample.route === route),
      seconds,
    ),
  }));
  return { routes, overall: latencyOf(samples, seconds) };
}

// --- Timed API calls (the load and burst benchmarks) -----------------------------------------

/** One slow request must not hold a run past its time cap for long. */
const REQUEST_TIMEOUT_MS = 10_000;

export interface Sample {
  route: string;
  status: number;
  ms: number;
}

export interface Answer extends Sample {
  body: Record<string, unknown>;
  /** performance.now() when the answer had been read. */
  at: number;
}

/** Status 0: the request failed or timed out before any answer. */
export async function timedCall(
  apiUrl: string,
  route: string,
  method: string,
  path: string,
  user: { token: string },
  body?: unknown,
): Promise<Answer> {
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
    const at = performance.now();
    let parsed: Record<string, unknown> = {};
    try {
      parsed = text ? (JSON.parse(text) as Record<string, unknown>) : {};
    } catch {
      parsed = { text: text.slice(0, 200) };
    }
    return { route, status: response.status, ms: at - started, body: parsed, at };
  } catch (error) {
    const at = performance.now();
    const message = error instanceof Error ? error.message : String(error);
    return { route, status: 0, ms: at - started, body: { error: message }, at };
  }
}
