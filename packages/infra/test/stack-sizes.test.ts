import { Template } from "aws-cdk-lib/assertions";
import { describe, expect, it } from "vitest";
import { ENVIRONMENT_NAMES } from "../src/config.js";
import { synthesize } from "./helpers.js";

/** CloudFormation takes 500 resources per stack; half of it leaves room for the next features. */
const MAX_RESOURCES_PER_STACK = 250;

describe.each(ENVIRONMENT_NAMES)("the %s environment's stacks", (envName) => {
  it(`each hold at most ${MAX_RESOURCES_PER_STACK} resources`, () => {
    const { stacks } = synthesize(envName);
    const counts = Object.fromEntries(
      [stacks.data, stacks.auth, stacks.app, stacks.events].map((stack) => [
        stack.stackName,
        Object.keys(Template.fromStack(stack).toJSON().Resources ?? {}).length,
      ]),
    );
    console.log(
      `${envName}: ${Object.entries(counts)
        .map(([name, n]) => `${name} ${n}`)
        .join(", ")}`,
    );
    for (const [name, count] of Object.entries(counts)) {
      expect(count, name).toBeLessThanOrEqual(MAX_RESOURCES_PER_STACK);
    }
  });
});
