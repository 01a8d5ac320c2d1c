import { defineProject } from "vitest/config";

export default defineProject({
  test: {
    name: "infra",
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // DynamoDB Local, for the test that runs a bundled function traced.
    globalSetup: ["../domain/src/testing/global-setup.ts"],
  },
});
