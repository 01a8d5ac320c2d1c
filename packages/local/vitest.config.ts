import { defineProject } from "vitest/config";

export default defineProject({
  test: {
    name: "local",
    include: ["test/**/*.test.ts"],
    globalSetup: ["../domain/src/testing/global-setup.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
