import { tableSpec } from "@hearth/domain";
import { PROCESSOR_NAMES } from "@hearth/stream-processors";
import { describe, expect, it } from "vitest";
import { ENVIRONMENT_NAMES, fixtureConfig } from "../src/config.js";
import { TABLE_ACTIONS } from "../src/grants.js";
import {
  alarmsOf,
  asArray,
  describeResource,
  EMAIL_SENDERS,
  logicalId,
  resourcesOf,
  roleStatements,
  synthesize,
  variablesOf,
} from "./helpers.js";

describe.each(ENVIRONMENT_NAMES)("the %s environment", (envName) => {
  const config = fixtureConfig(envName);
  const env = synthesize(envName);

  describe("email hygiene (SES configuration set, bounces and complaints)", () => {
    const setName = `hearth-${envName}`;
    const emailEventsId = () => logicalId(env.stacks.events.emailEvents.function.function.node.defaultChild);
    const topicId = () => logicalId(env.stacks.auth.sesEvents.topic.node.defaultChild);
    const keyId = () => logicalId(env.stacks.auth.sesEvents.key.node.defaultChild);
    const configurationSetId = () => logicalId(env.stacks.auth.sesEvents.configurationSet.node.defaultChild);
    const alarmsOfApp = () => alarmsOf(env);

    it("has one configuration set, with reputation metrics and SES's own suppression of bounces and complaints", () => {
      env.auth.resourceCountIs("AWS::SES::ConfigurationSet", 1);
      env.auth.hasResourceProperties("AWS::SES::ConfigurationSet", {
        Name: setName,
        ReputationOptions: { ReputationMetricsEnabled: true },
        SuppressionOptions: { SuppressedReasons: ["BOUNCE", "COMPLAINT"] },
      });
    });

    it("publishes exactly bounces and complaints to an encrypted, TLS-only topic that SES may publish to", () => {
      env.auth.resourceCountIs("AWS::SES::ConfigurationSetEventDestination", 1);
      env.auth.hasResourceProperties("AWS::SES::ConfigurationSetEventDestination", {
        ConfigurationSetName: {
          Ref: logicalId(env.stacks.auth.sesEvents.configurationSet.node.defaultChild),
        },
        EventDestination: {
          Enabled: true,
          MatchingEventTypes: ["bounce", "complaint"],
          SnsDestination: { TopicARN: { Ref: topicId() } },
        },
      });
      const topic = resourcesOf(env.auth, "AWS::SNS::Topic")[topicId()]!;
      expect(topic.Properties.KmsMasterKeyId).toEqual({ "Fn::GetAtt": [keyId(), "Arn"] });
      const policies = Object.values(resourcesOf(env.auth, "AWS::SNS::TopicPolicy")).filter((p) =>
        JSON.stringify(p.Properties.Topics).includes(topicId()),
      );
      const statements = policies.flatMap(
        (p) => (p.Properties.PolicyDocument as { Statement: Record<string, unknown>[] }).Statement,
      );
      const fromSes = statements.filter((st) => JSON.stringify(st.Principal).includes("ses.amazonaws.com"));
      expect(fromSes).toHaveLength(1);
      expect(fromSes[0]).toMatchObject({ Effect: "Allow", Action: "sns:Publish" });
      // Only this configuration set of this account.
      const condition = JSON.stringify(fromSes[0]!.Condition);
      expect(condition).toContain(":configuration-set/");
      expect(condition).toContain(configurationSetId());
      expect(condition).toContain("AWS:SourceAccount");
      expect(JSON.stringify(statements)).toContain('"aws:SecureTransport":"false"');
      // SES may encrypt with the topic's key, for this configuration set only.
      const key = resourcesOf(env.auth, "AWS::KMS::Key")[keyId()]!;
      expect(key.Properties.EnableKeyRotation).toBe(true);
      const sesOnKey = (
        key.Properties.KeyPolicy as { Statement: Record<string, unknown>[] }
      ).Statement.filter((st) => JSON.stringify(st.Principal).includes("ses.amazonaws.com"));
      expect(sesOnKey).toHaveLength(1);
      expect(asArray(sesOnKey[0]!.Action as string[]).sort()).toEqual([
        "kms:Decrypt",
        "kms:GenerateDataKey*",
      ]);
      expect(JSON.stringify(sesOnKey[0]!.Condition)).toContain(`:configuration-set/${setName}`);
    });

    it("subscribes the SES event function to the topic, keeping what fails in a dead-letter queue", () => {
      const subscriptions = Object.values(resourcesOf(env.main, "AWS::SNS::Subscription")).filter(
        (sub) => sub.Properties.Protocol === "lambda",
      );
      expect(subscriptions).toHaveLength(1);
      const subscription = subscriptions[0]!.Properties;
      expect(subscription.Endpoint).toEqual({ "Fn::GetAtt": [emailEventsId(), "Arn"] });
      // The topic of the Auth stack, referenced across stacks.
      expect(JSON.stringify(subscription.TopicArn)).toContain(env.stacks.auth.stackName);
      const deadLetters = logicalId(env.stacks.events.emailEvents.deadLetters.node.defaultChild);
      expect(subscription.RedrivePolicy).toEqual({
        deadLetterTargetArn: { "Fn::GetAtt": [deadLetters, "Arn"] },
      });
      env.main.hasResourceProperties("AWS::Lambda::Permission", {
        Action: "lambda:InvokeFunction",
        FunctionName: { "Fn::GetAtt": [emailEventsId(), "Arn"] },
        Principal: "sns.amazonaws.com",
      });
      env.main.hasResourceProperties("AWS::Lambda::EventInvokeConfig", {
        FunctionName: { Ref: emailEventsId() },
        MaximumRetryAttempts: 2,
        DestinationConfig: { OnFailure: { Destination: { "Fn::GetAtt": [deadLetters, "Arn"] } } },
      });
      const queue = resourcesOf(env.main, "AWS::SQS::Queue")[deadLetters]!;
      expect(queue.Properties).toMatchObject({
        SqsManagedSseEnabled: true,
        MessageRetentionPeriod: 14 * 86400,
      });
      expect(
        alarmsOfApp().some(
          (a) =>
            a.MetricName === "ApproximateNumberOfMessagesVisible" &&
            JSON.stringify(a.Dimensions).includes(deadLetters),
        ),
      ).toBe(true);
      expect(
        alarmsOfApp().some(
          (a) => a.MetricName === "Errors" && JSON.stringify(a.Dimensions).includes(emailEventsId()),
        ),
      ).toBe(true);
    });

    it("lets the SES event function read and update profiles, and nothing else", () => {
      const statements = roleStatements(env.main, emailEventsId());
      const data = statements.filter((st) => asArray(st.Action).some((a) => a.startsWith("dynamodb:")));
      expect(data).toHaveLength(1);
      expect(asArray(data[0]!.Action).sort()).toEqual([...TABLE_ACTIONS.readUpdate].sort());
      expect(
        asArray(data[0]!.Resource)
          .map((r) => describeResource(env, r))
          .sort(),
      ).toEqual(
        [
          "table:UserProfiles",
          ...(tableSpec("UserProfiles").globalSecondaryIndexes ?? []).map(
            (i) => `index:UserProfiles/${i.indexName}`,
          ),
        ].sort(),
      );
      const others = statements
        .flatMap((st) => asArray(st.Action))
        .filter((a) => !a.startsWith("dynamodb:") && !a.startsWith("logs:") && !a.startsWith("xray:"));
      // Only what the async invocation's failure destination needs.
      expect(others.sort()).toEqual(["sqs:GetQueueAttributes", "sqs:GetQueueUrl", "sqs:SendMessage"]);
    });

    it("tells exactly the email senders which configuration set to send through", () => {
      for (const processor of PROCESSOR_NAMES) {
        const variables = variablesOf(env, processor);
        expect(variables.SES_CONFIGURATION_SET).toEqual(
          (EMAIL_SENDERS as readonly string[]).includes(processor) ? setName : undefined,
        );
      }
    });

    it(`sends Cognito's emails ${config.cognitoEmail === "ses" ? "through SES as the sender, via the configuration set" : "with Cognito's default sender"}`, () => {
      const pool = Object.values(resourcesOf(env.auth, "AWS::Cognito::UserPool"))[0]!.Properties;
      if (config.cognitoEmail !== "ses") {
        expect(pool.EmailConfiguration).toEqual({ EmailSendingAccount: "COGNITO_DEFAULT" });
        return;
      }
      expect(pool.EmailConfiguration).toMatchObject({
        EmailSendingAccount: "DEVELOPER",
        From: `Hearth <${config.senderEmail}>`,
        // A reference, so the configuration set exists before the pool uses it.
        ConfigurationSet: { Ref: configurationSetId() },
      });
      expect(JSON.stringify((pool.EmailConfiguration as { SourceArn: unknown }).SourceArn)).toContain(
        `:ses:${config.region}:`,
      );
      expect(JSON.stringify((pool.EmailConfiguration as { SourceArn: unknown }).SourceArn)).toContain(
        `:identity/${config.sesIdentity}`,
      );
    });
  });
});
