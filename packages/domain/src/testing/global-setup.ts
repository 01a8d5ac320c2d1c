import type {} from "vitest";
import type { TestProject } from "vitest/node";
import { type RunningDynamo, startDynamoDbLocal } from "./dynamodb-local.js";

declare module "vitest" {
  export interface ProvidedContext {
    dynamoEndpoint: string;
  }
}

/**
 * Vitest global setup shared by every package's test project: one DynamoDB Local for the
 * whole run (started by the first project, stopped after the last), or an existing one
 * when TEST_DYNAMODB_ENDPOINT is set. Each test file then works under its own table prefix.
 */
const state = globalThis as typeof globalThis & {
  __hearthDynamo?: { running: Promise<RunningDynamo>; users: number };
};

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const existing = process.env.TEST_DYNAMODB_ENDPOINT;
  if (existing) {
    project.provide("dynamoEndpoint", existing);
    return async () => {};
  }
  state.__hearthDynamo ??= { running: startDynamoDbLocal(), users: 0 };
  const shared = state.__hearthDynamo;
  shared.users++;
  const dynamo = await shared.running;
  project.provide("dynamoEndpoint", dynamo.endpoint);
  return async () => {
    shared.users--;
    if (shared.users === 0) {
      state.__hearthDynamo = undefined;
      await dynamo.stop();
    }
  };
}
