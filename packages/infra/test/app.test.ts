import { App, Stack } from "aws-cdk-lib";
import { Queue, QueueEncryption } from "aws-cdk-lib/aws-sqs";
import { describe, expect, it } from "vitest";
import { addHearthStacks } from "../src/app.js";
import { ENVIRONMENT_NAMES, FIXTURE_CONFIG_PATH } from "../src/config.js";
import { AwsSolutionsChecks } from "../src/nag.js";
import { OUTPUT_KEYS } from "../src/stacks/app-stack.js";
import { acknowledgements, synthesize } from "./helpers.js";

describe.each(ENVIRONMENT_NAMES)("the %s environment", (envName) => {
  const env = synthesize(envName);

  it("names every stack after the environment", () => {
    expect([
      env.stacks.data.stackName,
      env.stacks.auth.stackName,
      env.stacks.app.stackName,
      env.stacks.events.stackName,
    ]).toEqual([
      `Hearth-${envName}-Data`,
      `Hearth-${envName}-Auth`,
      `Hearth-${envName}-App`,
      `Hearth-${envName}-Events`,
    ]);
  });

  it("outputs exactly the keys of the local stack's outputs file", () => {
    // Over the App and Events stacks, leaving out what one stack publishes for the other.
    const outputs = Object.keys(env.main.toJSON().Outputs).filter((key) => !key.startsWith("PublishOutput"));
    expect(outputs.sort()).toEqual([...OUTPUT_KEYS].sort());
    expect(env.data.toJSON().Outputs ?? {}).not.toHaveProperty("ApiUrl");
  });

  it("passes cdk-nag AwsSolutionsChecks with no unacknowledged finding", () => {
    const findings = env.nag.violations.map(
      (v) =>
        `${v.severity} ${v.ruleName}: ${v.violatingResources.map((r) => r.resourceLogicalId).join(", ")}`,
    );
    expect(findings).toEqual([]);
    expect(env.nag.success).toBe(true);
  });

  it("gives every cdk-nag acknowledgement a reason", () => {
    const acks = acknowledgements(env.app);
    expect(acks.length).toBeGreaterThan(0);
    for (const ack of acks)
      expect(typeof ack.reason === "string" && ack.reason.length > 20, ack.id).toBe(true);
  });
});

describe("the cdk-nag check itself", () => {
  it("reports a finding that has no acknowledgement", () => {
    const app = new App();
    new Queue(new Stack(app, "NonCompliant"), "PlainQueue", { encryption: QueueEncryption.UNENCRYPTED });
    const report = new AwsSolutionsChecks(app).validateScope(app);
    expect(report.success).toBe(false);
    expect(report.violations.map((v) => v.ruleName)).toEqual(expect.arrayContaining(["AwsSolutions-SQS2"]));
  });
});

describe("environment selection", () => {
  it("refuses to synthesize without a known -c env", () => {
    const context = { config: FIXTURE_CONFIG_PATH };
    expect(() => addHearthStacks(new App({ context: { ...context, env: "qa" } }), { nag: false })).toThrow(
      /-c env=<name>/,
    );
    expect(() => addHearthStacks(new App({ context }), { nag: false })).toThrow(/dev, staging, prod/);
  });

  it("refuses to synthesize prod without a config file, listing what to set", () => {
    expect(() => addHearthStacks(new App({ context: { env: "prod" } }), { nag: false })).toThrow(
      "prod: set allowedOrigins, siteUrl, senderEmail, sesIdentity, account, region, alarmEmail or alarmTopicArn in a config file passed with -c config=path.json",
    );
  });
});
