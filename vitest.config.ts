import { defineConfig } from "vitest/config";
import projects from "./vitest.workspace.ts";

export default defineConfig({
  test: {
    projects,
    // Most test files spend their time waiting on DynamoDB Local and the other engines (a stall
    // test waits a whole minute): three at once keep two cores busy where vitest's default
    // (cores - 1) runs them one by one.
    maxWorkers: 3,
  },
});
