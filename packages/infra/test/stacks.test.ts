import { API_AREAS, API_TABLE_ACCESS, ROUTES } from "@hearth/api-handlers";
import { TABLE_SPECS, type TableName, type TableSpec } from "@hearth/domain";
import {
  PROCESSOR_NAMES,
  PROCESSOR_TABLE_ACCESS,
  STREAM_BATCHING,
  STREAM_SUBSCRIPTIONS,
} from "@hearth/stream-processors";
import { App, Stack } from "aws-cdk-lib";
import { Match } from "aws-cdk-lib/assertions";
import { Queue, QueueEncryption } from "aws-cdk-lib/aws-sqs";
import { describe, expect, it } from "vitest";
import { addHearthStacks } from "../src/app.js";
import { ENVIRONMENT_NAMES, ENVIRONMENTS, validateEnvironmentConfig } from "../src/config.js";
import { TABLE_ACTIONS, type TableAccess } from "../src/grants.js";
import { AwsSolutionsChecks } from "../src/nag.js";
import { OUTPUT_KEYS } from "../src/stacks/app-stack.js";
import {
  acknowledgements,
  asArray,
  describeResource,
  functionStatements,
  type SynthesizedEnvironment,
  synthesize,
} from "./helpers.js";

type Resources = Record<
  string,
  { Type: string; Properties: Record<string, unknown>; DeletionPolicy?: string }
>;

function resourcesOf(template: { toJSON(): Record<string, unknown> }, type: string): Resources {
  const all = template.toJSON().Resources as Resources;
  return Object.fromEntries(Object.entries(all).filter(([, r]) => r.Type === type));
}

/** `/comments/{itemId}` for each API Gateway resource logical id, by walking PathPart/ParentId. */
function resourcePaths(env: SynthesizedEnvironment): Map<string, string> {
  const resources = resourcesOf(env.main, "AWS::ApiGateway::Resource");
  const pathOf = (id: string): string => {
    const { PathPart, ParentId } = resources[id]!.Properties as { PathPart: string; ParentId: unknown };
    const parent = (ParentId as { Ref?: string }).Ref;
    return `${parent && resources[parent] ? pathOf(parent) : ""}/${PathPart}`;
  };
  return new Map(Object.keys(resources).map((id) => [id, pathOf(id)]));
}

describe.each(ENVIRONMENT_NAMES)("the %s environment", (envName) => {
  const config = ENVIRONMENTS[envName];
  const env = synthesize(envName);

  it("names every stack after the environment", () => {
    expect([env.stacks.data.stackName, env.stacks.auth.stackName, env.stacks.app.stackName]).toEqual([
      `Hearth-${envName}-Data`,
      `Hearth-${envName}-Auth`,
      `Hearth-${envName}-App`,
    ]);
  });

  describe("tables", () => {
    it("creates exactly one table per table spec", () => {
      env.data.resourceCountIs("AWS::DynamoDB::Table", TABLE_SPECS.length);
    });

    it.each(TABLE_SPECS as readonly TableSpec[])(
      "$name has the spec's keys, indexes, stream and TTL",
      (spec) => {
        const keySchema = [
          { AttributeName: spec.partitionKey.name, KeyType: "HASH" },
          ...(spec.sortKey ? [{ AttributeName: spec.sortKey.name, KeyType: "RANGE" }] : []),
        ];
        const indexes = (spec.globalSecondaryIndexes ?? []).map((index) => ({
          IndexName: index.indexName,
          KeySchema: [
            { AttributeName: index.partitionKey.name, KeyType: "HASH" },
            ...(index.sortKey ? [{ AttributeName: index.sortKey.name, KeyType: "RANGE" }] : []),
          ],
          Projection:
            index.projection.type === "INCLUDE"
              ? { ProjectionType: "INCLUDE", NonKeyAttributes: index.projection.attributes }
              : { ProjectionType: index.projection.type },
        }));
        env.data.hasResource("AWS::DynamoDB::Table", {
          Properties: {
            KeySchema: keySchema,
            BillingMode: "PAY_PER_REQUEST",
            GlobalSecondaryIndexes: indexes.length ? indexes : Match.absent(),
            StreamSpecification: spec.stream ? { StreamViewType: spec.stream } : Match.absent(),
            TimeToLiveSpecification: spec.timeToLiveAttribute
              ? { AttributeName: spec.timeToLiveAttribute, Enabled: true }
              : Match.absent(),
            // SSEEnabled means the AWS-managed KMS key (rather than the default AWS-owned one).
            SSESpecification: { SSEEnabled: true },
            PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
            DeletionProtectionEnabled: config.production,
          },
          DeletionPolicy: config.production ? "Retain" : "Delete",
          UpdateReplacePolicy: config.production ? "Retain" : "Delete",
        });
      },
    );
  });

  describe("attachments bucket", () => {
    it("is private, encrypted, TLS-only, logged, with CORS for PUT from the allowed origins and a lifecycle", () => {
      env.data.hasResourceProperties("AWS::S3::Bucket", {
        BucketName: Match.anyValue(),
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          BlockPublicPolicy: true,
          IgnorePublicAcls: true,
          RestrictPublicBuckets: true,
        },
        BucketEncryption: Match.objectLike({}),
        LoggingConfiguration: Match.objectLike({ DestinationBucketName: Match.anyValue() }),
        CorsConfiguration: {
          CorsRules: [
            Match.objectLike({ AllowedMethods: ["PUT", "GET"], AllowedOrigins: config.allowedOrigins }),
          ],
        },
        LifecycleConfiguration: {
          Rules: Match.arrayWith([
            Match.objectLike({ AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 } }),
          ]),
        },
      });
      const policies = Object.values(resourcesOf(env.data, "AWS::S3::BucketPolicy"));
      expect(policies).toHaveLength(2);
      for (const policy of policies) {
        expect(JSON.stringify(policy.Properties.PolicyDocument)).toContain('"aws:SecureTransport":"false"');
      }
    });
  });

  describe("auth", () => {
    it("has an email sign-in pool with a strong password policy", () => {
      env.auth.hasResourceProperties("AWS::Cognito::UserPool", {
        UsernameAttributes: ["email"],
        AutoVerifiedAttributes: ["email"],
        Policies: {
          PasswordPolicy: Match.objectLike({
            MinimumLength: 12,
            RequireLowercase: true,
            RequireUppercase: true,
            RequireNumbers: true,
            RequireSymbols: true,
          }),
        },
        DeletionProtection: config.production ? "ACTIVE" : "INACTIVE",
      });
    });

    it("has a secretless web client with SRP and refresh flows", () => {
      env.auth.hasResourceProperties("AWS::Cognito::UserPoolClient", {
        GenerateSecret: false,
        ExplicitAuthFlows: Match.arrayEquals(["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]),
      });
    });

    it.each(["Admins", "ApprovedUsers"])("has the %s group", (groupName) => {
      env.auth.hasResourceProperties("AWS::Cognito::UserPoolGroup", { GroupName: groupName });
    });
  });

  describe("API", () => {
    const methods = Object.values(resourcesOf(env.main, "AWS::ApiGateway::Method"));
    const paths = resourcePaths(env);
    const authorizers = resourcesOf(env.main, "AWS::ApiGateway::Authorizer");
    const authorizerId = Object.keys(authorizers)[0]!;

    it("has one Cognito user pool authorizer on the Authorization header", () => {
      expect(Object.values(authorizers)).toEqual([
        expect.objectContaining({
          Properties: expect.objectContaining({
            Type: "COGNITO_USER_POOLS",
            IdentitySource: "method.request.header.Authorization",
          }),
        }),
      ]);
    });

    it.each(ROUTES)("$method $resource uses the authorizer and its area's function", (route) => {
      const matching = methods.filter(
        (m) =>
          m.Properties.HttpMethod === route.method &&
          paths.get((m.Properties.ResourceId as { Ref: string }).Ref) === route.resource,
      );
      expect(matching).toHaveLength(1);
      const method = matching[0]!.Properties;
      expect(method.AuthorizationType).toBe("COGNITO_USER_POOLS");
      expect(method.AuthorizerId).toEqual({ Ref: authorizerId });
      const integration = method.Integration as { Type: string; Uri: unknown };
      expect(integration.Type).toBe("AWS_PROXY");
      expect(JSON.stringify(integration.Uri)).toContain(`"${env.functionLogicalIds[route.area]}"`);
    });

    it("has no other methods than the routes and their CORS preflights", () => {
      const declared = methods
        .filter((m) => m.Properties.HttpMethod !== "OPTIONS")
        .map(
          (m) => `${m.Properties.HttpMethod} ${paths.get((m.Properties.ResourceId as { Ref: string }).Ref)}`,
        );
      expect(declared.sort()).toEqual(ROUTES.map((r) => `${r.method} ${r.resource}`).sort());
      const preflights = methods.filter((m) => m.Properties.HttpMethod === "OPTIONS");
      // Every resource (plus the root) answers preflights, without an authorizer.
      expect(preflights).toHaveLength(paths.size + 1);
      for (const preflight of preflights) {
        expect(preflight.Properties.AuthorizationType).toBe("NONE");
        expect(JSON.stringify(preflight.Properties.Integration)).toContain(config.allowedOrigins[0]);
      }
    });

    it("adds CORS headers and the API's error shape to gateway 4xx/5xx responses", () => {
      for (const type of ["DEFAULT_4XX", "DEFAULT_5XX"]) {
        env.main.hasResourceProperties("AWS::ApiGateway::GatewayResponse", {
          ResponseType: type,
          ResponseParameters: Match.objectLike({
            "gatewayresponse.header.Access-Control-Allow-Origin":
              config.allowedOrigins.length === 1
                ? `'${config.allowedOrigins[0]}'`
                : "method.request.header.Origin",
          }),
          ResponseTemplates: { "application/json": Match.stringLikeRegexp('"error":\\{"code"') },
        });
      }
    });

    it("throttles the stage and writes JSON access logs", () => {
      env.main.hasResourceProperties("AWS::ApiGateway::Stage", {
        StageName: envName,
        AccessLogSetting: { DestinationArn: Match.anyValue(), Format: Match.stringLikeRegexp("requestId") },
        MethodSettings: [
          Match.objectLike({
            ThrottlingRateLimit: config.apiThrottling.rateLimit,
            ThrottlingBurstLimit: config.apiThrottling.burstLimit,
            LoggingLevel: "ERROR",
          }),
        ],
      });
    });
  });

  describe("functions", () => {
    const functions = Object.values(resourcesOf(env.main, "AWS::Lambda::Function"));
    const variablesOf = (name: keyof typeof env.functionLogicalIds) =>
      (
        (env.main.toJSON().Resources as Resources)[env.functionLogicalIds[name]]!.Properties.Environment as {
          Variables: Record<string, unknown>;
        }
      ).Variables;

    it("runs six functions on nodejs22.x, ARM64, with their own log group", () => {
      expect(functions).toHaveLength(API_AREAS.length + PROCESSOR_NAMES.length);
      for (const fn of functions) {
        expect(fn.Properties).toMatchObject({
          Runtime: "nodejs22.x",
          Architectures: ["arm64"],
          Handler: "index.handler",
        });
        expect(fn.Properties.LoggingConfig).toEqual({ LogGroup: { Ref: expect.any(String) } });
      }
      env.main.hasResourceProperties("AWS::Logs::LogGroup", { RetentionInDays: config.logRetention });
    });

    it.each(API_AREAS)("gives the %s API function its settings", (area) => {
      const variables = variablesOf(area);
      for (const spec of TABLE_SPECS) expect(variables[spec.envVar]).toBeDefined();
      expect(variables).toMatchObject({
        STAGE: envName,
        LOG_LEVEL: config.logLevel,
        ALLOWED_ORIGINS: config.allowedOrigins.join(","),
        POWERTOOLS_SERVICE_NAME: `hearth-api-${area}`,
      });
      expect(JSON.stringify(variables.CURSOR_SECRET)).toContain("{{resolve:secretsmanager:");
      // Every area presigns URLs of the files bucket (profile photos at least).
      expect(JSON.stringify(variables.ATTACHMENTS_BUCKET)).toContain(`hearth-${envName}-attachments-`);
    });

    it.each(PROCESSOR_NAMES)("gives the %s processor its settings", (name) => {
      const variables = variablesOf(name);
      for (const spec of TABLE_SPECS) expect(variables[spec.envVar]).toBeDefined();
      expect(variables).toMatchObject({
        STAGE: envName,
        LOG_LEVEL: config.logLevel,
        SENDER_EMAIL: config.senderEmail,
        SITE_URL: config.siteUrl,
        NOTIFICATION_WINDOW_MINUTES: String(config.notificationWindowMinutes),
      });
    });
  });

  describe("IAM", () => {
    const expectedDynamoResources = (access: Partial<Record<TableName, TableAccess>>, level: TableAccess) =>
      (Object.entries(access) as [TableName, string][])
        .filter(([, l]) => l === level)
        .flatMap(([table]) => [
          `table:${table}`,
          ...(
            (TABLE_SPECS as readonly TableSpec[]).find((s) => s.name === table)!.globalSecondaryIndexes ?? []
          ).map((i) => `index:${table}/${i.indexName}`),
        ])
        .sort();

    const dynamoGrants = (fn: keyof typeof env.functionLogicalIds) => {
      const byLevel: Record<TableAccess, string[]> = { read: [], readUpdate: [], readWrite: [] };
      for (const statement of functionStatements(env, fn)) {
        const actions = asArray(statement.Action).sort();
        if (!actions.every((a) => a.startsWith("dynamodb:")) || actions.includes("dynamodb:GetRecords"))
          continue;
        if (actions.includes("dynamodb:ListStreams")) continue;
        // Each statement grants exactly one access level's actions, no more.
        const level = (Object.keys(TABLE_ACTIONS) as TableAccess[]).find(
          (candidate) => JSON.stringify([...TABLE_ACTIONS[candidate]].sort()) === JSON.stringify(actions),
        );
        expect(level, `unexpected action set ${actions.join(", ")}`).toBeDefined();
        byLevel[level!].push(...asArray(statement.Resource).map((r) => describeResource(env, r)));
      }
      return {
        read: byLevel.read.sort(),
        readUpdate: byLevel.readUpdate.sort(),
        readWrite: byLevel.readWrite.sort(),
      };
    };

    it.each(API_AREAS)("lets the %s function touch only its tables, at its access levels", (area) => {
      expect(dynamoGrants(area)).toEqual({
        read: expectedDynamoResources(API_TABLE_ACCESS[area], "read"),
        readUpdate: expectedDynamoResources(API_TABLE_ACCESS[area], "readUpdate"),
        readWrite: expectedDynamoResources(API_TABLE_ACCESS[area], "readWrite"),
      });
    });

    it.each(PROCESSOR_NAMES)("lets the %s processor touch only its tables and its streams", (name) => {
      expect(dynamoGrants(name)).toEqual({
        read: expectedDynamoResources(PROCESSOR_TABLE_ACCESS[name], "read"),
        readUpdate: expectedDynamoResources(PROCESSOR_TABLE_ACCESS[name], "readUpdate"),
        readWrite: expectedDynamoResources(PROCESSOR_TABLE_ACCESS[name], "readWrite"),
      });
      // Profiles are only ever updated atomically by the processors: never put, never deleted.
      for (const statement of functionStatements(env, name)) {
        if (asArray(statement.Resource).some((r) => describeResource(env, r) === "table:UserProfiles")) {
          expect(asArray(statement.Action)).not.toEqual(
            expect.arrayContaining([expect.stringMatching(/PutItem|DeleteItem|BatchWriteItem/)]),
          );
        }
      }
      const streamResources = functionStatements(env, name)
        .filter((s) => asArray(s.Action).includes("dynamodb:GetRecords"))
        .flatMap((s) => asArray(s.Resource).map((r) => describeResource(env, r)));
      expect(streamResources.sort()).toEqual(
        STREAM_SUBSCRIPTIONS.filter((s) => s.processor === name)
          .map((s) => `stream:${s.table}`)
          .sort(),
      );
    });

    it("uses a wildcard resource only for dynamodb:ListStreams, which has no resource-level permissions", () => {
      for (const fn of [...API_AREAS, ...PROCESSOR_NAMES]) {
        for (const statement of functionStatements(env, fn)) {
          expect(asArray(statement.Action).every((a) => !a.includes("*"))).toBe(true);
          if (asArray(statement.Resource).includes("*"))
            expect(statement.Action).toBe("dynamodb:ListStreams");
        }
      }
    });

    it("lets only the notifications processor send email, as the configured identity", () => {
      for (const fn of [...API_AREAS, ...PROCESSOR_NAMES]) {
        const ses = functionStatements(env, fn).filter((s) =>
          asArray(s.Action).some((a) => a.startsWith("ses:")),
        );
        if (fn !== "notifications") {
          expect(ses).toEqual([]);
          continue;
        }
        expect(ses).toHaveLength(1);
        expect(asArray(ses[0]!.Action)).toEqual(["ses:SendEmail"]);
        const resources = JSON.stringify(ses[0]!.Resource);
        expect(resources).toContain(`:identity/${config.sesIdentity}"`);
        // Any identity only where the account is in the SES sandbox, never in production.
        expect(resources.includes(':identity/*"')).toBe(config.sesSandbox);
        if (config.production) expect(config.sesSandbox).toBe(false);
      }
    });

    it("gives each function exactly the S3 actions and prefixes it signs for, and nothing else", () => {
      const expected: Record<string, string[]> = {
        profile: ["s3:GetObject profile-photos/*", "s3:PutObject profile-photos/*"],
        comments: ["s3:GetObject profile-photos/*"],
        reactions: ["s3:GetObject profile-photos/*"],
        // Only the message-serving function may read attachments.
        messages: [
          "s3:GetObject attachments/*",
          "s3:GetObject profile-photos/*",
          "s3:PutObject attachments/*",
        ],
        notifications: [],
        activity: [],
        // The files of deleted messages are deleted by this processor alone.
        attachments: ["s3:DeleteObject attachments/*"],
      };
      for (const fn of [...API_AREAS, ...PROCESSOR_NAMES]) {
        const s3 = functionStatements(env, fn).filter((s) =>
          asArray(s.Action).some((a) => a.startsWith("s3:")),
        );
        const grants = s3.flatMap((statement) =>
          asArray(statement.Action).flatMap((action) => {
            const resource = JSON.stringify(statement.Resource);
            const prefix = /\/(attachments|profile-photos)\/\*/.exec(resource)?.[1] ?? resource;
            return [`${action} ${prefix}/*`];
          }),
        );
        expect(grants.sort(), fn).toEqual(expected[fn]);
      }
    });
  });

  describe("streams", () => {
    const mappings = Object.values(resourcesOf(env.main, "AWS::Lambda::EventSourceMapping"));
    const queues = resourcesOf(env.main, "AWS::SQS::Queue");

    it("maps exactly the stream subscriptions", () => {
      expect(mappings).toHaveLength(STREAM_SUBSCRIPTIONS.length);
    });

    it.each(STREAM_SUBSCRIPTIONS)(
      "feeds $processor from $table with its filters, partial batch responses, bisect, bounded retries and a DLQ",
      (subscription) => {
        const matching = mappings.filter(
          (m) =>
            (m.Properties.FunctionName as { Ref: string }).Ref ===
              env.functionLogicalIds[subscription.processor] &&
            describeResource(env, m.Properties.EventSourceArn) === `stream:${subscription.table}`,
        );
        expect(matching).toHaveLength(1);
        const mapping = matching[0]!.Properties;
        expect(mapping).toMatchObject({
          FilterCriteria: {
            Filters: subscription.filterPatterns.map((p) => ({ Pattern: JSON.stringify(p) })),
          },
          FunctionResponseTypes: ["ReportBatchItemFailures"],
          BisectBatchOnFunctionError: STREAM_BATCHING.bisectBatchOnError,
          MaximumRetryAttempts: STREAM_BATCHING.retryAttempts,
          MaximumRecordAgeInSeconds: STREAM_BATCHING.maxRecordAgeSeconds,
          BatchSize: STREAM_BATCHING.batchSize,
          MaximumBatchingWindowInSeconds: STREAM_BATCHING.maxBatchingWindowSeconds,
          StartingPosition: "LATEST",
        });
        const destination = (
          mapping.DestinationConfig as { OnFailure: { Destination: { "Fn::GetAtt": string[] } } }
        ).OnFailure.Destination["Fn::GetAtt"];
        expect(queues[destination[0]!]).toBeDefined();
        expect(destination[0]).toBe(
          env.stacks.app.getLogicalId(
            env.stacks.app.streamProcessors.deadLetterQueues[subscription.processor].node
              .defaultChild as never,
          ),
        );
      },
    );

    it("keeps dead letters encrypted and TLS-only for 14 days", () => {
      for (const queue of Object.values(queues)) {
        expect(queue.Properties).toMatchObject({
          SqsManagedSseEnabled: true,
          MessageRetentionPeriod: 14 * 24 * 3600,
        });
      }
      expect(Object.keys(queues)).toHaveLength(PROCESSOR_NAMES.length);
    });
  });

  describe("alarms", () => {
    const alarms = Object.values(resourcesOf(env.main, "AWS::CloudWatch::Alarm")).map((a) => a.Properties);
    const alarmOn = (metricName: string, dimension: unknown) =>
      alarms.filter(
        (a) =>
          a.MetricName === metricName &&
          JSON.stringify(a.Dimensions).includes(JSON.stringify(dimension)) &&
          (a.AlarmActions as unknown[]).length === 1,
      );

    it.each([...API_AREAS, ...PROCESSOR_NAMES])("alarms on errors and throttles of %s", (fn) => {
      const dimension = { Ref: env.functionLogicalIds[fn] };
      expect(alarmOn("Errors", dimension)).toHaveLength(1);
      expect(alarmOn("Throttles", dimension)).toHaveLength(1);
    });

    it("alarms on dead letters of each processor and on API 5xx", () => {
      for (const name of PROCESSOR_NAMES) {
        const queue = env.stacks.app.streamProcessors.deadLetterQueues[name];
        const dimension = {
          "Fn::GetAtt": [env.stacks.app.getLogicalId(queue.node.defaultChild as never), "QueueName"],
        };
        expect(alarmOn("ApproximateNumberOfMessagesVisible", dimension)).toHaveLength(1);
      }
      expect(
        alarms.filter((a) => a.MetricName === "5XXError" && a.Namespace === "AWS/ApiGateway"),
      ).toHaveLength(1);
    });
  });

  it("outputs exactly the keys of the local stack's outputs file", () => {
    expect(Object.keys(env.main.toJSON().Outputs).sort()).toEqual([...OUTPUT_KEYS].sort());
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
    expect(() => addHearthStacks(new App({ context: { env: "qa" } }), { nag: false })).toThrow(
      /-c env=<name>/,
    );
    expect(() => addHearthStacks(new App(), { nag: false })).toThrow(/dev, staging, prod/);
  });

  it("refuses a sender the notification function would not be allowed to send as", () => {
    const dev = ENVIRONMENTS.dev;
    expect(() => validateEnvironmentConfig({ ...dev, senderEmail: "someone@elsewhere.example" })).toThrow(
      /not the SES identity/,
    );
    expect(() =>
      validateEnvironmentConfig({ ...dev, senderEmail: "a@x.example", sesIdentity: "b@x.example" }),
    ).toThrow(/not the SES identity/);
    expect(validateEnvironmentConfig({ ...dev, sesIdentity: dev.senderEmail })).toBeDefined();
  });
});
