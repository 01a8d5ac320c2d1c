import { defineProject } from "vitest/config";

export default defineProject({
  test: {
    name: "views",
    include: ["test/**/*.test.ts"],
  },
});
