import { createServer } from "node:net";
import { JAVA_MISSING_MESSAGE } from "@hearth/domain/testing";
import { describe, expect, it } from "vitest";
import { userFacingMessage } from "../src/cli.js";
import { configFromEnv } from "../src/config.js";
import { parseOutputs } from "../src/outputs.js";
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

  it("reads ports from their variables and refuses nonsense", () => {
    const config = configFromEnv({ API_PORT: "3100", S3_PORT: "4600" });
    expect(config.ports.api).toEqual({ envVar: "API_PORT", port: 3100 });
    expect(config.ports.dynamodb).toEqual({ envVar: "DYNAMODB_PORT", port: 8000 });
    expect(() => configFromEnv({ SES_PORT: "eighty" })).toThrow(/SES_PORT/);
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
