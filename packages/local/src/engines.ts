import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { startDynamoDbLocal, waitForDynamo } from "@hearth/domain/dynamodb-local";
import { UserFixableError } from "./errors.js";
import { answers, type ProcessGroup, waitUntilReady } from "./processes.js";

const require = createRequire(import.meta.url);

/** The entry script of an npm package's CLI, run with this Node (no PATH or shell involved). */
function packageScript(packageName: string, relativePath: string): string {
  return join(dirname(require.resolve(`${packageName}/package.json`)), relativePath);
}

export interface EngineAddress {
  host: string;
  port: number;
}

const url = ({ host, port }: EngineAddress) => `http://${host}:${port}`;

/** DynamoDB Local (Java) with its database file under `dataDir`, or in memory without one. */
export async function startDynamoDb(
  group: ProcessGroup,
  address: EngineAddress,
  dataDir: string | undefined,
): Promise<string> {
  if (dataDir) mkdirSync(dataDir, { recursive: true });
  const dynamo = await startDynamoDbLocal({ port: address.port, ...(dataDir ? { dbPath: dataDir } : {}) });
  group.adopt("DynamoDB Local", dynamo.pid, dynamo.stop);
  return dynamo.endpoint;
}

export async function useExternalDynamoDb(endpoint: string, timeoutMs = 10_000): Promise<string> {
  try {
    await waitForDynamo(endpoint, timeoutMs);
  } catch {
    throw new UserFixableError(
      `DYNAMODB_ENDPOINT=${endpoint} does not answer as DynamoDB within ${timeoutMs / 1000} s. Start it, or unset DYNAMODB_ENDPOINT to let pnpm dev run its own DynamoDB Local.`,
    );
  }
  return endpoint;
}

/**
 * cognito-local keeps its pools in `<cwd>/.cognito/db`; its config fixes the address and
 * the issuer, which must be the URL clients reach it on (tokens are checked against it).
 */
export async function startCognito(
  group: ProcessGroup,
  address: EngineAddress,
  dataDir: string,
  /** Where cognito-local invokes the user pool's Lambda triggers, and which it invokes. */
  triggers?: { lambdaEndpoint: string; functions: Record<string, string> },
): Promise<string> {
  const endpoint = url(address);
  mkdirSync(join(dataDir, ".cognito"), { recursive: true });
  recoverCognitoState(join(dataDir, ".cognito", "db"));
  writeFileSync(
    join(dataDir, ".cognito", "config.json"),
    JSON.stringify(
      {
        ServerConfig: { hostname: address.host, port: address.port },
        TokenConfig: { IssuerDomain: endpoint },
        UserPoolDefaults: { UsernameAttributes: ["email"] },
        ...(triggers
          ? {
              LambdaClient: {
                endpoint: triggers.lambdaEndpoint,
                region: "local",
                credentials: { accessKeyId: "local", secretAccessKey: "local" },
              },
              TriggerFunctions: triggers.functions,
            }
          : {}),
      },
      null,
      2,
    ),
  );
  const engine = group.spawn(
    "cognito-local",
    process.execPath,
    [packageScript("cognito-local", "lib/bin/start.js")],
    {
      cwd: dataDir,
      env: { ...process.env, PORT: String(address.port), HOST: address.host, NODE_NO_WARNINGS: "1" },
    },
  );
  await waitUntilReady(engine, () => answers(`${endpoint}/health`));
  return endpoint;
}

function parses(file: string): boolean {
  try {
    const text = readFileSync(file, "utf8");
    JSON.parse(text === "" ? "{}" : text);
    return true;
  } catch {
    return false;
  }
}

/**
 * cognito-local's state files (one JSON document per user pool and for its clients), checked
 * before it starts: its storage writes each file whole through a rename and keeps the document
 * it replaced as `<file>.last-good` (a patch of stormdb), so a file a crash left unreadable is
 * put back from that copy. One that can't be is a clear message naming the file and the way
 * out, not cognito-local's stack trace.
 */
export function recoverCognitoState(directory: string, log: (line: string) => void = console.warn): void {
  if (!existsSync(directory)) return;
  for (const name of readdirSync(directory).filter((file) => file.endsWith(".json"))) {
    const file = join(directory, name);
    if (parses(file)) continue;
    const lastGood = `${file}.last-good`;
    if (existsSync(lastGood) && parses(lastGood)) {
      copyFileSync(lastGood, file);
      log(`The local user pool's state file ${file} was unreadable; put back its last good copy.`);
      continue;
    }
    throw new UserFixableError(
      `The local user pool's state file ${file} is unreadable and has no good copy to go back to. ` +
        "Move it away to start that pool empty, or run `pnpm dev --reset` to start all local data afresh.",
    );
  }
}

/** aws-ses-v2-local: the SES API plus a web inbox at `/` and the messages as JSON at `/store`. */
export async function startSes(group: ProcessGroup, address: EngineAddress): Promise<string> {
  const endpoint = url(address);
  const engine = group.spawn("aws-ses-v2-local", process.execPath, [
    packageScript("aws-ses-v2-local", "dist/cli.js"),
    "--host",
    address.host,
    "--port",
    String(address.port),
  ]);
  await waitUntilReady(engine, () => answers(`${endpoint}/health-check`));
  return endpoint;
}

/** s3rver with its objects under `dataDir`; buckets are created by the provisioning step. */
export async function startS3(group: ProcessGroup, address: EngineAddress, dataDir: string): Promise<string> {
  const endpoint = url(address);
  mkdirSync(dataDir, { recursive: true });
  const engine = group.spawn("s3rver", process.execPath, [
    packageScript("s3rver", "bin/s3rver.js"),
    "--directory",
    dataDir,
    "--address",
    address.host,
    "--port",
    String(address.port),
    "--silent",
    "--no-vhost-buckets",
  ]);
  await waitUntilReady(engine, () => answers(endpoint));
  return endpoint;
}
