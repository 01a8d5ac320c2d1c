import { API_AREAS } from "@hearth/api-handlers";
import { PROCESSOR_NAMES } from "@hearth/stream-processors";
import { Match } from "aws-cdk-lib/assertions";
import { describe, expect, it } from "vitest";
import { ENVIRONMENT_NAMES, fixtureConfig } from "../src/config.js";
import { TABLE_ACTIONS } from "../src/grants.js";
import {
  asArray,
  describeResource,
  functionStatements,
  logicalId,
  type PolicyStatementJson,
  resourcesOf,
  roleStatements,
  synthesize,
  variablesOf,
} from "./helpers.js";

describe.each(ENVIRONMENT_NAMES)("the %s environment", (envName) => {
  const config = fixtureConfig(envName);
  const env = synthesize(envName);

  describe("notification digests", () => {
    const digests = () => env.stacks.events.digests;
    const digestFnId = () => logicalId(digests().digestFunction.function.node.defaultChild);
    const groupName = `hearth-${envName}-digests`;
    const resources = (type: string) => resourcesOf(env.main, type);

    it("has one schedule group, and a scheduler role only Scheduler from this account and group can assume", () => {
      env.main.resourceCountIs("AWS::Scheduler::ScheduleGroup", 1);
      env.main.hasResourceProperties("AWS::Scheduler::ScheduleGroup", { Name: groupName });
      const roleId = logicalId(digests().schedulerRole.node.defaultChild);
      const role = resources("AWS::IAM::Role")[roleId]!.Properties as {
        AssumeRolePolicyDocument: { Statement: Array<{ Principal: unknown; Condition: unknown }> };
      };
      const [trust, ...others] = role.AssumeRolePolicyDocument.Statement;
      expect(others).toEqual([]);
      expect(trust?.Principal).toEqual({ Service: "scheduler.amazonaws.com" });
      expect(trust?.Condition).toEqual({
        StringEquals: {
          "aws:SourceAccount": { Ref: "AWS::AccountId" },
          "aws:SourceArn": { "Fn::GetAtt": [logicalId(digests().scheduleGroup), "Arn"] },
        },
      });
    });

    it("lets the scheduler role invoke the digest function only, and write to the dead-letter queue", () => {
      const roleId = logicalId(digests().schedulerRole.node.defaultChild);
      const policies = Object.values(resources("AWS::IAM::Policy")).filter((policy) =>
        JSON.stringify(policy.Properties.Roles).includes(roleId),
      );
      const statements = policies.flatMap(
        (policy) => (policy.Properties.PolicyDocument as { Statement: PolicyStatementJson[] }).Statement,
      );
      expect(statements).toEqual([
        {
          Effect: "Allow",
          Action: "lambda:InvokeFunction",
          Resource: { "Fn::GetAtt": [digestFnId(), "Arn"] },
        },
        {
          Effect: "Allow",
          Action: "sqs:SendMessage",
          Resource: { "Fn::GetAtt": [logicalId(digests().deadLetters.node.defaultChild), "Arn"] },
        },
      ]);
    });

    it("lets the notifications processor create schedules in that group only and pass that role only, to Scheduler", () => {
      const statements = functionStatements(env, "notifications");
      const scheduling = statements.filter((s) =>
        asArray(s.Action).some((a) => a.startsWith("scheduler:") || a === "iam:PassRole"),
      );
      expect(scheduling).toEqual([
        {
          Effect: "Allow",
          Action: "scheduler:CreateSchedule",
          Resource: {
            "Fn::Join": [
              "",
              [
                "arn:",
                { Ref: "AWS::Partition" },
                ":scheduler:",
                { Ref: "AWS::Region" },
                ":",
                { Ref: "AWS::AccountId" },
                `:schedule/${groupName}/*`,
              ],
            ],
          },
        },
        {
          Effect: "Allow",
          Action: "iam:PassRole",
          Resource: { "Fn::GetAtt": [logicalId(digests().schedulerRole.node.defaultChild), "Arn"] },
          Condition: { StringEquals: { "iam:PassedToService": "scheduler.amazonaws.com" } },
        },
      ]);
      // Nobody else schedules or passes roles.
      for (const fn of [...API_AREAS, ...PROCESSOR_NAMES].filter((f) => f !== "notifications")) {
        expect(
          functionStatements(env, fn)
            .flatMap((s) => asArray(s.Action))
            .filter((a) => /^(scheduler|iam):/.test(a)),
          fn,
        ).toEqual([]);
      }
      const variables = variablesOf(env, "notifications");
      expect(variables).toMatchObject({
        DIGEST_SCHEDULE_GROUP: groupName,
        DIGEST_SCHEDULER_ROLE_ARN: {
          "Fn::GetAtt": [logicalId(digests().schedulerRole.node.defaultChild), "Arn"],
        },
        DIGEST_FUNCTION_ARN: { "Fn::GetAtt": [digestFnId(), "Arn"] },
        DIGEST_DEAD_LETTER_ARN: { "Fn::GetAtt": [logicalId(digests().deadLetters.node.defaultChild), "Arn"] },
      });
    });

    it("gives the digest function its tables, SendEmail as the identity, and retries into the dead-letter queue", () => {
      const statements = roleStatements(env.main, digestFnId());
      // Per resource, the action set (CDK merges statements of equal actions).
      const accessByResource = Object.fromEntries(
        statements
          .filter((s) => asArray(s.Action).some((a) => a.startsWith("dynamodb:")))
          .flatMap((s) =>
            asArray(s.Resource).map((r) => [describeResource(env, r), [...asArray(s.Action)].sort()]),
          ),
      );
      const read = [...TABLE_ACTIONS.read].sort();
      expect(accessByResource).toEqual({
        "table:HeldNotifications": [...TABLE_ACTIONS.readUpdate].sort(),
        "index:HeldNotifications/ActorIndex": [...TABLE_ACTIONS.readUpdate].sort(),
        "table:Notifications": read,
        "index:Notifications/ActorIndex": read,
        "table:UserProfiles": read,
        "index:UserProfiles/EmailIndex": read,
        "index:UserProfiles/MemberDirectoryIndex": read,
      });
      const ses = statements.filter((s) => asArray(s.Action).some((a) => a.startsWith("ses:")));
      expect(ses.map((s) => s.Action)).toEqual(["ses:SendEmail"]);
      expect(JSON.stringify(ses[0]!.Resource)).toContain(`:identity/${config.sesIdentity}"`);
      expect(JSON.stringify(ses[0]!.Resource).includes(':identity/*"')).toBe(config.sesSandbox);
      env.main.hasResourceProperties("AWS::Lambda::EventInvokeConfig", {
        FunctionName: { Ref: digestFnId() },
        MaximumRetryAttempts: 2,
        DestinationConfig: {
          OnFailure: {
            Destination: { "Fn::GetAtt": [logicalId(digests().deadLetters.node.defaultChild), "Arn"] },
          },
        },
      });
      env.main.hasResourceProperties("AWS::SQS::Queue", {
        SqsManagedSseEnabled: true,
        MessageRetentionPeriod: 14 * 24 * 60 * 60,
      });
      env.main.hasResourceProperties("AWS::CloudWatch::Alarm", {
        AlarmDescription: Match.stringLikeRegexp("dead-letter queue"),
        Dimensions: [
          {
            Name: "QueueName",
            Value: { "Fn::GetAtt": [logicalId(digests().deadLetters.node.defaultChild), "QueueName"] },
          },
        ],
      });
    });
  });
});
