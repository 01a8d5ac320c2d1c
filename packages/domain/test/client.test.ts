import { describe, expect, it } from "vitest";
import {
  ConfigurationError,
  createDocumentClient,
  dynamoClientOptions,
  dynamoConfigFromEnv,
} from "../src/dynamo/client.js";

describe("DynamoDB client factory", () => {
  it("uses the SDK's default credential chain and region in production", () => {
    const options = dynamoClientOptions(dynamoConfigFromEnv({ STAGE: "prod" }));
    expect(options).toEqual({});
    expect(dynamoClientOptions({ stage: "prod", region: "eu-west-1" })).toEqual({ region: "eu-west-1" });
  });

  it("honours DYNAMODB_ENDPOINT outside production", async () => {
    const options = dynamoClientOptions(
      dynamoConfigFromEnv({ STAGE: "dev", DYNAMODB_ENDPOINT: "http://127.0.0.1:8000" }),
    );
    expect(options.endpoint).toBe("http://127.0.0.1:8000");
    const client = createDocumentClient({ stage: "test", endpoint: "http://127.0.0.1:8000" });
    const endpoint = await client.config.endpoint?.();
    expect(endpoint?.hostname).toBe("127.0.0.1");
    client.destroy();
  });

  it("refuses to start when production is given a local endpoint", () => {
    for (const stage of ["prod", "production", "PROD"]) {
      expect(() => createDocumentClient({ stage, endpoint: "http://localhost:8000" })).toThrow(
        ConfigurationError,
      );
    }
    expect(() => dynamoClientOptions({ stage: "prod", endpoint: "http://localhost:8000" })).toThrow(
      /DYNAMODB_ENDPOINT .* production/,
    );
  });
});
