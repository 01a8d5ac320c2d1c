import { spawn } from "node:child_process";
import { createServer } from "node:net";
import { freePort, JAVA_MISSING_MESSAGE } from "@hearth/domain/testing";
import { describe, expect, inject, it } from "vitest";
import { userFacingMessage } from "../src/cli.js";
import { configFromEnv } from "../src/config.js";
import { useExternalDynamoDb } from "../src/engines.js";
import { parseOutputs } from "../src/outputs.js";
import { ancestorPids, isAlive, watchProcesses } from "../src/parent-watch.js";
import { assertPortFree, PortInUseError } from "../src/ports.js";

describe("start-up problems the user fixes", () => {
  it("names the variable that moves a port that is already taken", async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as { port: number };
    try {
      const error = await assertPortFree("127.0.0.1", port, "COGNITO_PORT").catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PortInUseError);
      expect(userFacingMessage(error)).toMatch(
        new RegExp(`^Port ${port} is already in use \\(COGNITO_PORT\\)`),
      );
      expect(userFacingMessage(error)).not.toContain("\n");
    } finally {
      server.close();
    }
    await expect(assertPortFree("127.0.0.1", port, "COGNITO_PORT")).resolves.toBeUndefined();
  });

  it("shows a missing Java as its one-line explanation, not a stack trace", () => {
    const message = userFacingMessage(new Error(JAVA_MISSING_MESSAGE));
    expect(message).toBe(JAVA_MISSING_MESSAGE);
    expect(message).not.toContain("\n");
  });

  it("reads ports from their variables and refuses nonsense in one line", () => {
    const config = configFromEnv({ API_PORT: "3100", S3_PORT: "4600" });
    expect(config.ports.api).toEqual({ envVar: "API_PORT", port: 3100 });
    expect(config.ports.dynamodb).toEqual({ envVar: "DYNAMODB_PORT", port: 8000 });
    let error: unknown;
    try {
      configFromEnv({ SES_PORT: "eighty" });
    } catch (thrown) {
      error = thrown;
    }
    expect(userFacingMessage(error)).toBe('SES_PORT must be a port number between 1 and 65535, got "eighty"');
  });

  it("uses a DYNAMODB_ENDPOINT that answers, and names the variable in one line when it does not", async () => {
    const running = inject("dynamoEndpoint");
    await expect(useExternalDynamoDb(running)).resolves.toBe(running);
    const nowhere = `http://127.0.0.1:${await freePort()}`;
    const error = await useExternalDynamoDb(nowhere, 300).catch((e: unknown) => e);
    expect(userFacingMessage(error)).toMatch(new RegExp(`^DYNAMODB_ENDPOINT=${nowhere} does not answer`));
    expect(userFacingMessage(error)).not.toContain("\n");
  });
});

describe("outputs files", () => {
  const flat = {
    Region: "eu-west-1",
    ApiUrl: "https://abc.execute-api.eu-west-1.amazonaws.com/prod/",
    UserPoolId: "eu-west-1_x",
    UserPoolClientId: "c",
    AttachmentsBucket: "b",
  };

  it("reads a flat file and a cdk --outputs-file with stacks and suffixed keys", () => {
    expect(parseOutputs(flat)).toEqual(flat);
    expect(
      parseOutputs({
        "Hearth-prod-Auth": { UserPoolId: flat.UserPoolId, UserPoolClientId: "c" },
        "Hearth-prod-Api": { ApiUrlE1F2: flat.ApiUrl, Region: flat.Region, AttachmentsBucket: "b" },
      }),
    ).toEqual(flat);
  });

  it("says which keys are missing", () => {
    expect(() => parseOutputs({ Region: "x" }, "o.json")).toThrow("o.json lacks ApiUrl, UserPoolId");
  });
});

describe("watching the processes that started pnpm dev", () => {
  it("knows its launchers, nearest first", () => {
    const launchers = ancestorPids();
    expect(launchers[0]).toBe(process.ppid);
    expect(launchers).not.toContain(1);
    expect(launchers.every(isAlive)).toBe(true);
  });

  it("calls back once a watched process has exited", async () => {
    const child = spawn(process.execPath, ["-e", "setTimeout(() => {}, 60_000)"], { stdio: "ignore" });
    const gone = new Promise<number>((resolve) => watchProcesses([process.pid, child.pid!], resolve, 20));
    await new Promise((resolve) => child.once("spawn", resolve));
    child.kill("SIGKILL");
    expect(await gone).toBe(child.pid);
  });
});
