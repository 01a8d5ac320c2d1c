import { defineProject } from "vitest/config";

export default defineProject({
  test: {
    name: "infra",
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
    // The stack tests are one file per construct, each reading the same synthesized stacks: run
    // unisolated, the files of a worker share one synthesis per environment (test/helpers.ts)
    // instead of importing aws-cdk-lib and synthesizing every environment again. No test changes
    // shared state: they read templates, and build any app of their own.
    isolate: false,
    hookTimeout: 120_000,
    // DynamoDB Local, for the test that runs a bundled function traced.
    globalSetup: ["../domain/src/testing/global-setup.ts"],
  },
});
