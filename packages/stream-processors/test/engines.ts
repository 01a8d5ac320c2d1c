import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import {
  AdminCreateUserCommand,
  CognitoIdentityProviderClient,
  CreateUserPoolCommand,
} from "@aws-sdk/client-cognito-identity-provider";
import { CreateBucketCommand, S3Client } from "@aws-sdk/client-s3";
import S3rver from "s3rver";

/**
 * The local stack's S3 and Cognito engines (s3rver, cognito-local), started by a test on
 * free ports in throwaway directories, the way `packages/local` runs them.
 */
const require = createRequire(import.meta.url);
const LOCAL_CREDENTIALS = { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" };

export interface LocalS3 {
  client: S3Client;
  bucket: string;
  stop(): Promise<void>;
}

export async function startLocalS3(bucket = "hearth-files"): Promise<LocalS3> {
  const directory = mkdtempSync(join(tmpdir(), "hearth-s3-"));
  const server = new S3rver({ port: 0, address: "127.0.0.1", silent: true, directory });
  const { port } = (await server.run()) as AddressInfo;
  const client = new S3Client({
    endpoint: `http://127.0.0.1:${port}`,
    forcePathStyle: true,
    region: "us-east-1",
    credentials: LOCAL_CREDENTIALS,
  });
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
  return {
    client,
    bucket,
    async stop() {
      client.destroy();
      await server.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}

export interface LocalCognito {
  client: CognitoIdentityProviderClient;
  userPoolId: string;
  /** A user signing up with `email` (the pool names users by a UUID, its sub): their username and sub. */
  createUser(email: string): Promise<{ username: string; sub: string }>;
  stop(): Promise<void>;
}

/** cognito-local in its own process (it reads its config from `<cwd>/.cognito`), with one user pool. */
export async function startLocalCognito(): Promise<LocalCognito> {
  const directory = mkdtempSync(join(tmpdir(), "hearth-cognito-"));
  mkdirSync(join(directory, ".cognito"));
  writeFileSync(
    join(directory, ".cognito", "config.json"),
    JSON.stringify({
      ServerConfig: { hostname: "127.0.0.1", port: 0 },
      UserPoolDefaults: { UsernameAttributes: ["email"] },
    }),
  );
  const script = join(dirname(require.resolve("cognito-local/package.json")), "lib/bin/start.js");
  const engine: ChildProcess = spawn(process.execPath, [script], {
    cwd: directory,
    env: { ...process.env, NODE_NO_WARNINGS: "1", NO_COLOR: "1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const endpoint = await new Promise<string>((resolve, reject) => {
    let output = "";
    const timer = setTimeout(() => reject(new Error(`cognito-local did not start: ${output}`)), 20_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      // biome-ignore lint/suspicious/noControlCharactersInRegex: the log line may carry colour codes
      const match = /running on (https?:\/\/[^\s\u001b]+)/.exec(output);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    engine.stdout?.on("data", onData);
    engine.stderr?.on("data", onData);
    engine.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`cognito-local exited (${code}): ${output}`));
    });
  });
  const client = new CognitoIdentityProviderClient({
    endpoint,
    region: "local",
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
  });
  const pool = await client.send(
    new CreateUserPoolCommand({ PoolName: "hearth-test", UsernameAttributes: ["email"] }),
  );
  const userPoolId = pool.UserPool?.Id as string;
  return {
    client,
    userPoolId,
    async createUser(email) {
      const { User } = await client.send(
        new AdminCreateUserCommand({
          UserPoolId: userPoolId,
          Username: email,
          MessageAction: "SUPPRESS",
          UserAttributes: [{ Name: "email", Value: email }],
        }),
      );
      const sub = User?.Attributes?.find((attribute) => attribute.Name === "sub")?.Value;
      if (!User?.Username || !sub) throw new Error("cognito-local returned no username or sub");
      return { username: User.Username, sub };
    },
    async stop() {
      client.destroy();
      const exited = new Promise((resolve) => engine.once("exit", resolve));
      engine.kill();
      await exited;
      rmSync(directory, { recursive: true, force: true });
    },
  };
}
