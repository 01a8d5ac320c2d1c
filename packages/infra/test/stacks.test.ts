import {
  API_AREAS,
  API_FUNCTION_TIMEOUT_SECONDS,
  API_MANIFESTS,
  type ApiArea,
  REALTIME_MANIFESTS,
  REALTIME_REPLYING_ROUTES,
  REALTIME_ROUTE_KEYS,
  type RealtimeFunctionName,
  ROUTES,
} from "@hearth/api-handlers";
import {
  type FunctionManifest,
  rateLimitsFromEnv,
  SETTING_VARIABLES,
  type Setting,
  TABLE_SPECS,
  type TableAccess,
  type TableName,
  type TableSpec,
  tableSpec,
} from "@hearth/domain";
import {
  EVENT_MANIFESTS,
  PROCESSOR_MANIFESTS,
  PROCESSOR_NAMES,
  type ProcessorName,
  processorTimeoutSeconds,
  STREAM_SUBSCRIPTIONS,
  streamBatchingOf,
  WEBSOCKET_MANAGEMENT_ENDPOINT_ENV,
} from "@hearth/stream-processors";
import { App, Stack } from "aws-cdk-lib";
import { Match } from "aws-cdk-lib/assertions";
import { Queue, QueueEncryption } from "aws-cdk-lib/aws-sqs";
import { describe, expect, it } from "vitest";
import { addHearthStacks } from "../src/app.js";
import { ENVIRONMENT_NAMES, FIXTURE_CONFIG_PATH, fixtureConfig } from "../src/config.js";
import { FAILED_RECORDS_METRICS_ID } from "../src/constructs/stream-processors.js";
import { TABLE_ACTIONS } from "../src/grants.js";
import { AwsSolutionsChecks } from "../src/nag.js";
import { OUTPUT_KEYS } from "../src/stacks/app-stack.js";
import {
  acknowledgements,
  asArray,
  describeResource,
  functionStatements,
  logicalId,
  type PolicyStatementJson,
  roleStatements,
  type SynthesizedEnvironment,
  synthesize,
} from "./helpers.js";

// What the manifests declare, which the synthesized stacks must grant and set exactly.
const REALTIME_FUNCTION_NAMES = Object.keys(REALTIME_MANIFESTS) as RealtimeFunctionName[];
const tablesOf = <K extends string>(manifests: Record<K, FunctionManifest>) =>
  Object.fromEntries(
    Object.entries<FunctionManifest>(manifests).map(([key, m]) => [key, m.tables]),
  ) as Record<K, Partial<Record<TableName, TableAccess>>>;
const API_TABLE_ACCESS = tablesOf(API_MANIFESTS);
const PROCESSOR_TABLE_ACCESS = tablesOf(PROCESSOR_MANIFESTS);
const SIGN_IN_TABLE_ACCESS = EVENT_MANIFESTS.signIn.tables;
const REALTIME_ROUTES_TABLE_ACCESS = REALTIME_MANIFESTS["realtime-routes"].tables;
const API_GROUP_MANAGERS = API_AREAS.filter((area) =>
  (API_MANIFESTS[area] as FunctionManifest).userPoolActions?.includes("cognito-idp:AdminAddUserToGroup"),
);
const ACCOUNT_DELETERS = PROCESSOR_NAMES.filter((name) =>
  (PROCESSOR_MANIFESTS[name] as FunctionManifest).userPoolActions?.includes("cognito-idp:AdminDeleteUser"),
);
const EMAIL_SENDERS = PROCESSOR_NAMES.filter(
  (name) => (PROCESSOR_MANIFESTS[name] as FunctionManifest).sendsEmail,
);
const WEBSOCKET_PUSHERS = PROCESSOR_NAMES.filter((name) =>
  PROCESSOR_MANIFESTS[name].settings.some((setting) => setting === "webSocketManagement"),
);

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
  const config = fixtureConfig(envName);
  const env = synthesize(envName);
  const failedRecordsId = () =>
    env.stacks.events.getLogicalId(
      env.stacks.events.streamProcessors.failedRecords.node.defaultChild as never,
    );

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

  describe("tables", () => {
    it("keeps the in-app feed in a Notifications table keyed by member and time-sorted id, with a TTL", () => {
      env.data.hasResourceProperties("AWS::DynamoDB::Table", {
        KeySchema: [
          { AttributeName: "userId", KeyType: "HASH" },
          { AttributeName: "notificationId", KeyType: "RANGE" },
        ],
        TimeToLiveSpecification: { AttributeName: "expiresAt", Enabled: true },
      });
    });

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
    it("is private, encrypted, TLS-only, logged, with CORS for exactly presigned PUT and GET from the allowed origins and a lifecycle", () => {
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
          // PUT may send only the signed Content-Type and upload tag; GET sends no headers; nothing else is allowed.
          CorsRules: [
            {
              AllowedMethods: ["PUT"],
              AllowedOrigins: config.allowedOrigins,
              AllowedHeaders: ["Content-Type", "x-amz-tagging"],
              MaxAge: 3600,
            },
            { AllowedMethods: ["GET"], AllowedOrigins: config.allowedOrigins, MaxAge: 3600 },
          ],
        },
        LifecycleConfiguration: {
          Rules: Match.arrayWith([
            Match.objectLike({ AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 } }),
            // Uploads no message references (still tagged pending) go after a day.
            {
              Id: "ExpirePendingUploads",
              Status: "Enabled",
              TagFilters: [{ Key: "hearth-upload", Value: "pending" }],
              ExpirationInDays: 1,
            },
            // Data exports are removed a week after they were written.
            Match.objectLike({ Prefix: "exports/", ExpirationInDays: 7, Status: "Enabled" }),
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

  describe("attachments versions", () => {
    const attachments = () =>
      Object.values(resourcesOf(env.data, "AWS::S3::Bucket")).find((b) => b.Properties.CorsConfiguration)!;

    it(
      config.production
        ? "keeps previous versions in production, for 30 days"
        : "keeps no previous versions outside production",
      () => {
        const bucket = attachments().Properties;
        const rules = (bucket.LifecycleConfiguration as { Rules: Record<string, unknown>[] }).Rules;
        const noncurrent = rules.filter((rule) => rule.NoncurrentVersionExpiration);
        if (config.production) {
          expect(bucket.VersioningConfiguration).toEqual({ Status: "Enabled" });
          expect(noncurrent).toEqual([
            expect.objectContaining({
              NoncurrentVersionExpiration: { NoncurrentDays: 30 },
              Status: "Enabled",
            }),
          ]);
        } else {
          expect(bucket.VersioningConfiguration).toBeUndefined();
          expect(noncurrent).toEqual([]);
        }
      },
    );
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

    it("runs the sign-in trigger at Pre Token Generation, with a grant to update profiles only", () => {
      const trigger = logicalId(env.stacks.auth.signInTrigger.function.node.defaultChild);
      env.auth.hasResourceProperties("AWS::Cognito::UserPool", {
        LambdaConfig: { PreTokenGeneration: { "Fn::GetAtt": [trigger, "Arn"] } },
      });
      env.auth.hasResourceProperties("AWS::Lambda::Permission", {
        Action: "lambda:InvokeFunction",
        Principal: "cognito-idp.amazonaws.com",
        FunctionName: { "Fn::GetAtt": [trigger, "Arn"] },
      });
      const statements = roleStatements(env.auth, trigger).filter((statement) =>
        asArray(statement.Action).some((action) => action.startsWith("dynamodb:")),
      );
      // Reads plus UpdateItem on UserProfiles and its indexes: no Put, no Delete, no other table.
      expect(statements).toHaveLength(1);
      expect(asArray(statements[0]!.Action).sort()).toEqual([...TABLE_ACTIONS.readUpdate].sort());
      expect(
        asArray(statements[0]!.Resource)
          .map((r) => describeResource(env, r))
          .sort(),
      ).toEqual(
        [
          "table:UserProfiles",
          ...tableSpec("UserProfiles").globalSecondaryIndexes!.map(
            (i) => `index:UserProfiles/${i.indexName}`,
          ),
        ].sort(),
      );
      expect(SIGN_IN_TABLE_ACCESS).toEqual({ UserProfiles: "readUpdate" });
    });

    it("alarms on errors of the sign-in trigger", () => {
      const alarms = Object.values(resourcesOf(env.main, "AWS::CloudWatch::Alarm")).map((a) => a.Properties);
      expect(
        alarms.filter((a) => a.MetricName === "Errors" && /signin/i.test(JSON.stringify(a.Dimensions))),
      ).toHaveLength(1);
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

    const methodOf = (route: { method: string; resource: string }) => {
      const matching = methods.filter(
        (m) =>
          m.Properties.HttpMethod === route.method &&
          paths.get((m.Properties.ResourceId as { Ref: string }).Ref) === route.resource,
      );
      expect(matching).toHaveLength(1);
      return matching[0]!.Properties;
    };

    it.each(ROUTES.filter((route) => route.access !== "public"))(
      "$method $resource uses the authorizer and its area's function",
      (route) => {
        const method = methodOf(route);
        expect(method.AuthorizationType).toBe("COGNITO_USER_POOLS");
        expect(method.AuthorizerId).toEqual({ Ref: authorizerId });
        const integration = method.Integration as { Type: string; Uri: unknown };
        expect(integration.Type).toBe("AWS_PROXY");
        expect(JSON.stringify(integration.Uri)).toContain(`"${env.functionLogicalIds[route.area]}"`);
      },
    );

    it("serves the unsubscribe link publicly: no authorizer, no token header required, on the profile function", () => {
      const publicRoutes = ROUTES.filter((route) => route.access === "public");
      expect(publicRoutes.map((route) => `${route.method} ${route.resource}`).sort()).toEqual([
        "GET /unsubscribe",
        "POST /unsubscribe",
      ]);
      for (const route of publicRoutes) {
        const method = methodOf(route);
        expect(method.AuthorizationType).toBe("NONE");
        expect(method).not.toHaveProperty("AuthorizerId");
        expect(method.RequestParameters ?? {}).not.toHaveProperty("method.request.header.Authorization");
        expect(JSON.stringify(method.Integration)).toContain(`"${env.functionLogicalIds.profile}"`);
      }
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

    it("creates API Gateway's account-level CloudWatch role only where the config says this environment owns it", () => {
      const accounts = Object.values(resourcesOf(env.main, "AWS::ApiGateway::Account"));
      if (config.apiGatewayAccountSettings === "create") {
        expect(accounts).toHaveLength(1);
        // Retained: other environments in the account keep using it after this stack is gone.
        expect(accounts[0]!.DeletionPolicy).toBe("Retain");
      } else {
        expect(accounts).toEqual([]);
      }
    });

    it("logs the caller's sub, the route, status, latency and the integration error of each request", () => {
      const stage = Object.values(resourcesOf(env.main, "AWS::ApiGateway::Stage"))[0]!;
      const format = JSON.parse((stage.Properties.AccessLogSetting as { Format: string }).Format);
      expect(format).toMatchObject({
        sub: "$context.authorizer.claims.sub",
        httpMethod: "$context.httpMethod",
        route: "$context.resourcePath",
        status: "$context.status",
        responseLatencyMs: "$context.responseLatency",
        integrationError: "$context.integrationErrorMessage",
      });
    });

    it(
      config.waf.enabled
        ? "puts a WAF web ACL on the stage: a per-IP rate limit, then AWS's common rule set"
        : "has no WAF where the config turns it off",
      () => {
        const acls = Object.values(resourcesOf(env.main, "AWS::WAFv2::WebACL"));
        const associations = Object.values(resourcesOf(env.main, "AWS::WAFv2::WebACLAssociation"));
        if (!config.waf.enabled) {
          expect([acls, associations]).toEqual([[], []]);
          return;
        }
        expect(acls).toHaveLength(1);
        const rules = acls[0]!.Properties.Rules as Record<string, unknown>[];
        expect(acls[0]!.Properties).toMatchObject({ Scope: "REGIONAL", DefaultAction: { Allow: {} } });
        expect(rules).toEqual([
          expect.objectContaining({
            Action: { Block: {} },
            Statement: {
              RateBasedStatement: { Limit: config.waf.requestsPerIpPer5Minutes, AggregateKeyType: "IP" },
            },
          }),
          expect.objectContaining({
            Statement: {
              ManagedRuleGroupStatement: { VendorName: "AWS", Name: "AWSManagedRulesCommonRuleSet" },
            },
          }),
        ]);
        const stageId = Object.keys(resourcesOf(env.main, "AWS::ApiGateway::Stage"))[0]!;
        expect(associations).toHaveLength(1);
        expect(JSON.stringify(associations[0]!.Properties.ResourceArn)).toContain(`"Ref":"${stageId}"`);
      },
    );

    it("throttles the stage, traces it with X-Ray and writes JSON access logs", () => {
      env.main.hasResourceProperties("AWS::ApiGateway::Stage", {
        StageName: envName,
        TracingEnabled: true,
        AccessLogSetting: { DestinationArn: Match.anyValue(), Format: Match.anyValue() },
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
    const cursorSecretId = logicalId(env.stacks.app.cursorSecret.secret.node.defaultChild);
    const variablesOf = (name: keyof typeof env.functionLogicalIds) =>
      (
        (env.main.toJSON().Resources as Resources)[env.functionLogicalIds[name]]!.Properties.Environment as {
          Variables: Record<string, unknown>;
        }
      ).Variables;

    it("runs every function of the app stack on nodejs22.x, ARM64, with their own log group", () => {
      // The API areas, the stream processors, the realtime functions, the SES event handler and
      // the notification digests.
      expect(functions).toHaveLength(
        API_AREAS.length + PROCESSOR_NAMES.length + REALTIME_FUNCTION_NAMES.length + 2,
      );
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

    it.each([...API_AREAS, ...PROCESSOR_NAMES])(
      "tells %s exactly its own tables and the settings its manifest reads",
      (fn) => {
        const manifest: FunctionManifest =
          fn in API_MANIFESTS ? API_MANIFESTS[fn as ApiArea] : PROCESSOR_MANIFESTS[fn as ProcessorName];
        const variables = variablesOf(fn);
        for (const spec of TABLE_SPECS) {
          expect(variables[spec.envVar] !== undefined, spec.envVar).toBe(spec.name in manifest.tables);
        }
        for (const [setting, names] of Object.entries(SETTING_VARIABLES) as [Setting, readonly string[]][]) {
          for (const name of names) {
            expect(name in variables, `${setting}: ${name}`).toBe(manifest.settings.includes(setting));
          }
        }
        expect(variables).toMatchObject({
          STAGE: envName,
          LOG_LEVEL: config.logLevel,
          POWERTOOLS_SERVICE_NAME: `hearth-${manifest.name}`,
          POWERTOOLS_METRICS_NAMESPACE: `Hearth/${envName}`,
        });
      },
    );

    it.each(API_AREAS)("gives the %s API function its settings", (area) => {
      const variables = variablesOf(area);
      expect(variables).toMatchObject({
        STAGE: envName,
        LOG_LEVEL: config.logLevel,
        ALLOWED_ORIGINS: config.allowedOrigins.join(","),
        POWERTOOLS_SERVICE_NAME: `hearth-api-${area}`,
        POWERTOOLS_METRICS_NAMESPACE: `Hearth/${envName}`,
        RATE_LIMITS: JSON.stringify(config.rateLimits),
      });
      // What the function validates at start-up is what the config says.
      expect(rateLimitsFromEnv({ RATE_LIMITS: variables.RATE_LIMITS as string })).toEqual(config.rateLimits);
      // The cursor secret's ARN (a reference to the secret resource), never its value.
      expect(variables.CURSOR_SECRET_ARN).toEqual({ Ref: cursorSecretId });
      expect(variables).not.toHaveProperty("CURSOR_SECRET");
      // The areas that presign URLs of the files bucket are told its name.
      if (API_MANIFESTS[area].settings.some((setting) => setting === "filesBucket")) {
        expect(JSON.stringify(variables.ATTACHMENTS_BUCKET)).toContain(`hearth-${envName}-attachments-`);
      }
    });

    it("tells the notifications processor the API's stage URL and the cursor secret's ARN, for unsubscribe links", () => {
      const variables = variablesOf("notifications");
      // Both live in the App stack, which deploys first: the Events stack reads its outputs.
      expect(JSON.stringify(variables.CURSOR_SECRET_ARN)).toMatch(
        new RegExp(
          `"Fn::GetStackOutput":\\{"StackName":"Hearth-${envName}-App".*"OutputName":"PublishOutputRefCursorSecret`,
        ),
      );
      const apiUrl = JSON.stringify(variables.API_URL);
      expect(apiUrl).toContain(".execute-api.");
      // The stage's own URL (its name is the environment's): the deployment stage is referenced.
      expect(apiUrl).toMatch(/"OutputName":"PublishOutputRefRestApiDeploymentStage/);
      for (const other of PROCESSOR_NAMES.filter((name) => name !== "notifications")) {
        expect(variablesOf(other), other).not.toHaveProperty("API_URL");
        expect(variablesOf(other), other).not.toHaveProperty("CURSOR_SECRET_ARN");
      }
    });

    it("puts no secret value in any function's environment", () => {
      const resources = env.main.toJSON().Resources as Resources;
      for (const fn of functions) {
        const environment = JSON.stringify(fn.Properties.Environment ?? {});
        expect(environment).not.toContain("resolve:secretsmanager");
        expect(environment).not.toContain("resolve:ssm-secure");
        // No environment value is taken from a secret by reference to its value either.
        for (const [id, resource] of Object.entries(resources)) {
          if (resource.Type === "AWS::SecretsManager::Secret")
            expect(environment).not.toContain(`"${id}","SecretString`);
        }
      }
    });

    it("configures each function's timeout once and tells the function, for its SDK clients", () => {
      const resources = env.main.toJSON().Resources as Resources;
      const expected: [keyof typeof env.functionLogicalIds, number][] = [
        ...API_AREAS.map((area) => [area, API_FUNCTION_TIMEOUT_SECONDS] as [typeof area, number]),
        ...PROCESSOR_NAMES.map((name) => [name, processorTimeoutSeconds(name)] as [typeof name, number]),
      ];
      for (const [name, seconds] of expected) {
        expect(resources[env.functionLogicalIds[name]]!.Properties.Timeout, name).toBe(seconds);
        expect(variablesOf(name).FUNCTION_TIMEOUT_SECONDS, name).toBe(String(seconds));
      }
    });

    it("tells only the admin function which user pool to change", () => {
      for (const area of API_AREAS) {
        const variables = variablesOf(area);
        if ((API_GROUP_MANAGERS as readonly string[]).includes(area)) {
          expect(JSON.stringify(variables.USER_POOL_ID)).toContain("UserPool");
        } else expect(variables).not.toHaveProperty("USER_POOL_ID");
      }
    });

    it("gives the email senders the sender, the site and the digest window", () => {
      for (const name of EMAIL_SENDERS) {
        expect(variablesOf(name), name).toMatchObject({
          SENDER_EMAIL: config.senderEmail,
          SITE_URL: config.siteUrl,
          NOTIFICATION_WINDOW_MINUTES: String(config.notificationWindowMinutes),
        });
      }
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

    it("lets only the feed's API function, the notifications processor and the account deletion touch the feed", () => {
      expect(dynamoGrants("feed")).toEqual({ read: [], readUpdate: [], readWrite: ["table:Notifications"] });
      expect(dynamoGrants("notifications").readWrite).toContain("table:Notifications");
      // An account deletion removes the member's feed and its counter.
      expect(dynamoGrants("deletions").readWrite).toContain("table:Notifications");
      // The realtime fanout reads a recipient's unread counter for the push, and writes nothing there.
      expect(dynamoGrants("realtime")).toMatchObject({
        read: expect.arrayContaining(["table:Notifications"]),
      });
      expect(dynamoGrants("realtime").readWrite).not.toContain("table:Notifications");
      const feedUsers = ["feed", "notifications", "deletions", "realtime"];
      const others = [...API_AREAS, ...PROCESSOR_NAMES, ...REALTIME_FUNCTION_NAMES].filter(
        (f) => !feedUsers.includes(f),
      );
      for (const fn of others) {
        expect(
          [...dynamoGrants(fn).read, ...dynamoGrants(fn).readUpdate, ...dynamoGrants(fn).readWrite],
          fn,
        ).not.toContain("table:Notifications");
      }
    });

    it.each(PROCESSOR_NAMES)("lets the %s processor touch only its tables and its streams", (name) => {
      expect(dynamoGrants(name)).toEqual({
        read: expectedDynamoResources(PROCESSOR_TABLE_ACCESS[name], "read"),
        readUpdate: expectedDynamoResources(PROCESSOR_TABLE_ACCESS[name], "readUpdate"),
        readWrite: expectedDynamoResources(PROCESSOR_TABLE_ACCESS[name], "readWrite"),
      });
      // Profiles are only ever updated atomically by the processors, never put or deleted, except
      // by the account deletion, which removes the deleted member's.
      for (const statement of functionStatements(env, name)) {
        if (name === "deletions") break;
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

    it("lets exactly the API functions and the notifications processor read the cursor secret's value, and nothing else of Secrets Manager", () => {
      const cursorSecretId = logicalId(env.stacks.app.cursorSecret.secret.node.defaultChild);
      for (const fn of [...API_AREAS, ...PROCESSOR_NAMES]) {
        const secretStatements = functionStatements(env, fn).filter((statement) =>
          asArray(statement.Action).some((action) => action.startsWith("secretsmanager:")),
        );
        // The notifications processor signs unsubscribe links with a key derived from it.
        const resource = (API_AREAS as readonly string[]).includes(fn)
          ? { Ref: cursorSecretId }
          : { "Fn::GetStackOutput": expect.objectContaining({ StackName: `Hearth-${envName}-App` }) };
        const expected = [...API_AREAS, "notifications"].includes(fn)
          ? [{ Effect: "Allow", Action: "secretsmanager:GetSecretValue", Resource: resource }]
          : [];
        expect(secretStatements, fn).toEqual(expected);
      }
    });

    it("uses a wildcard resource only for actions without resource-level permissions (ListStreams, X-Ray)", () => {
      for (const fn of [...API_AREAS, ...PROCESSOR_NAMES]) {
        for (const statement of functionStatements(env, fn)) {
          expect(asArray(statement.Action).every((a) => !a.includes("*"))).toBe(true);
          if (asArray(statement.Resource).includes("*")) {
            expect(asArray(statement.Action)).toEqual(
              expect.arrayContaining([expect.stringMatching(/^(dynamodb:ListStreams|xray:PutT\w+)$/)]),
            );
            for (const action of asArray(statement.Action))
              expect(action).toMatch(
                /^(dynamodb:ListStreams|xray:PutTraceSegments|xray:PutTelemetryRecords)$/,
              );
          }
        }
      }
    });

    it("traces every function with X-Ray", () => {
      for (const fn of [...API_AREAS, ...PROCESSOR_NAMES]) {
        const properties = (env.main.toJSON().Resources as Resources)[env.functionLogicalIds[fn]]!.Properties;
        expect(properties.TracingConfig).toEqual({ Mode: "Active" });
        expect(functionStatements(env, fn).flatMap((s) => asArray(s.Action))).toEqual(
          expect.arrayContaining(["xray:PutTraceSegments", "xray:PutTelemetryRecords"]),
        );
      }
    });

    it("lets only the notifications processor send email, as the configured identity through the configuration set", () => {
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
        // SES authorizes a send against the identity and the configuration set it goes through.
        expect(resources).toContain(`:configuration-set/hearth-${envName}"`);
        // Any identity only where the account is in the SES sandbox, never in production.
        expect(resources.includes(':identity/*"')).toBe(config.sesSandbox);
        if (config.production) expect(config.sesSandbox).toBe(false);
      }
    });

    const s3Statements = (fn: keyof typeof env.functionLogicalIds, bucket: "attachments" | "failedRecords") =>
      functionStatements(env, fn).filter(
        (s) =>
          asArray(s.Action).some((a) => a.startsWith("s3:")) &&
          JSON.stringify(s.Resource).includes(bucket === "attachments" ? "-attachments-" : failedRecordsId()),
      );

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
        // The admin area shows no photos.
        admin: [],
        // Nor does the notification feed.
        feed: [],
        notifications: [],
        activity: [],
        // The files of deleted messages are deleted, and those of new ones retagged sent, by this
        // processor alone; so are a deleted member's data exports (listed under their prefix).
        attachments: [
          "s3:DeleteObject attachments/*",
          "s3:DeleteObject exports/*",
          "s3:ListBucket exports/*",
          "s3:PutObjectTagging attachments/*",
        ],
        // Export documents are written by the export worker alone, and read (signed) by the jobs area.
        exports: ["s3:AbortMultipartUpload exports/*", "s3:PutObject exports/*"],
        jobs: ["s3:GetObject exports/*"],
        deletions: [],
        // A pushed message or comment shows attachments and photos as the REST API does.
        realtime: ["s3:GetObject attachments/*", "s3:GetObject profile-photos/*"],
        "realtime-authorizer": [],
        "realtime-routes": [],
      };
      for (const fn of [...API_AREAS, ...PROCESSOR_NAMES, ...REALTIME_FUNCTION_NAMES]) {
        const s3 = s3Statements(fn, "attachments");
        const grants = s3.flatMap((statement) =>
          asArray(statement.Action).flatMap((action) =>
            // One statement may cover several prefixes (CDK merges statements of the same actions).
            asArray(statement.Resource).map((one) => {
              const resource = JSON.stringify(one);
              // A listing is on the bucket, narrowed to a prefix by its condition.
              const prefix =
                /\/(attachments|profile-photos|exports)\/\*/.exec(resource)?.[1] ??
                /"(attachments|profile-photos|exports)\/\*"/.exec(
                  JSON.stringify(statement.Condition ?? {}),
                )?.[1] ??
                resource;
              return `${action} ${prefix}/*`;
            }),
          ),
        );
        expect(grants.sort(), fn).toEqual(expected[fn]);
      }
    });

    it("lets only the admin function add to groups and the deletion worker delete users, on this pool, nothing else", () => {
      const rights: Record<string, string> = {
        ...Object.fromEntries(API_GROUP_MANAGERS.map((fn) => [fn, "cognito-idp:AdminAddUserToGroup"])),
        ...Object.fromEntries(ACCOUNT_DELETERS.map((fn) => [fn, "cognito-idp:AdminDeleteUser"])),
      };
      for (const fn of [...API_AREAS, ...PROCESSOR_NAMES]) {
        const cognito = functionStatements(env, fn).filter((s) =>
          asArray(s.Action).some((a) => a.startsWith("cognito-idp:")),
        );
        if (!rights[fn]) {
          expect(cognito, fn).toEqual([]);
          continue;
        }
        expect(cognito).toHaveLength(1);
        expect(asArray(cognito[0]!.Action)).toEqual([rights[fn]]);
        // A reference to the Auth stack's user pool ARN (an import), never a wildcard.
        expect(JSON.stringify(cognito[0]!.Resource)).not.toContain("*");
        expect(JSON.stringify(cognito[0]!.Resource)).toMatch(/UserPool[0-9A-F]*\.?Arn|UserPool\w*Arn/);
      }
    });

    it("lets only the processors write failed records, and nothing else on that bucket", () => {
      for (const fn of API_AREAS) expect(s3Statements(fn, "failedRecords")).toEqual([]);
      for (const fn of PROCESSOR_NAMES) {
        const statements = s3Statements(fn, "failedRecords");
        expect(statements.map((s) => asArray(s.Action).sort())).toEqual([["s3:ListBucket", "s3:PutObject"]]);
      }
      // No function touches S3 beyond these two buckets.
      for (const fn of [...API_AREAS, ...PROCESSOR_NAMES]) {
        const all = functionStatements(env, fn).filter((s) =>
          asArray(s.Action).some((a) => a.startsWith("s3:")),
        );
        expect(all).toHaveLength(
          s3Statements(fn, "attachments").length + s3Statements(fn, "failedRecords").length,
        );
      }
    });
  });

  describe("WebSocket API", () => {
    const resources = env.main.toJSON().Resources as Resources;
    const [apiId, api] = Object.entries(resourcesOf(env.main, "AWS::ApiGatewayV2::Api"))[0] ?? [];
    const routes = Object.values(resourcesOf(env.main, "AWS::ApiGatewayV2::Route"));
    const routeByKey = (key: string) => routes.find((r) => r.Properties.RouteKey === key)!;
    const invokes = (uri: unknown, fn: keyof typeof env.functionLogicalIds) =>
      JSON.stringify(uri).includes(`"Fn::GetAtt":["${env.functionLogicalIds[fn]}","Arn"]`);

    it("is one WebSocket API routing on the message's action", () => {
      expect(Object.keys(resourcesOf(env.main, "AWS::ApiGatewayV2::Api"))).toHaveLength(1);
      expect(api?.Properties).toMatchObject({
        ProtocolType: "WEBSOCKET",
        RouteSelectionExpression: "$request.body.action",
      });
    });

    it("authorizes $connect with the Lambda REQUEST authorizer on the token query parameter", () => {
      const authorizers = Object.entries(resourcesOf(env.main, "AWS::ApiGatewayV2::Authorizer"));
      expect(authorizers).toHaveLength(1);
      const [authorizerId, authorizer] = authorizers[0]!;
      expect(authorizer.Properties).toMatchObject({
        AuthorizerType: "REQUEST",
        IdentitySource: ["route.request.querystring.token"],
      });
      expect(invokes(authorizer.Properties.AuthorizerUri, "realtime-authorizer")).toBe(true);
      expect(routeByKey("$connect").Properties).toMatchObject({
        AuthorizationType: "CUSTOM",
        AuthorizerId: { Ref: authorizerId },
      });
      // The authorizer verifies ID tokens of this pool's web client.
      const variables = (
        resources[env.functionLogicalIds["realtime-authorizer"]]!.Properties.Environment as {
          Variables: Record<string, unknown>;
        }
      ).Variables;
      expect(Object.keys(variables)).toEqual(expect.arrayContaining(["USER_POOL_ID", "USER_POOL_CLIENT_ID"]));
      expect(Object.keys(variables)).not.toContain("CONNECTIONS_TABLE");
    });

    it("routes exactly the protocol's route keys to the routes function, the client's messages with replies", () => {
      expect(routes.map((r) => r.Properties.RouteKey).sort()).toEqual([...REALTIME_ROUTE_KEYS].sort());
      const integrations = resourcesOf(env.main, "AWS::ApiGatewayV2::Integration");
      for (const route of routes) {
        const target = JSON.stringify(route.Properties.Target);
        const integrationId = Object.keys(integrations).find((id) => target.includes(`"Ref":"${id}"`));
        expect(integrationId, String(route.Properties.RouteKey)).toBeDefined();
        expect(integrations[integrationId!]!.Properties.IntegrationType).toBe("AWS_PROXY");
        expect(invokes(integrations[integrationId!]!.Properties.IntegrationUri, "realtime-routes")).toBe(
          true,
        );
      }
      const responses = Object.values(resourcesOf(env.main, "AWS::ApiGatewayV2::RouteResponse"));
      const replying = responses.map((response) => {
        const routeId = (response.Properties.RouteId as { Ref: string }).Ref;
        return resources[routeId]!.Properties.RouteKey;
      });
      expect(replying.sort()).toEqual([...REALTIME_REPLYING_ROUTES].sort());
      for (const key of REALTIME_REPLYING_ROUTES) {
        expect(routeByKey(key).Properties.RouteResponseSelectionExpression).toBe("$default");
      }
    });

    it("deploys one throttled stage with JSON access logs, and outputs its wss:// URL", () => {
      const stages = Object.values(resourcesOf(env.main, "AWS::ApiGatewayV2::Stage"));
      expect(stages).toHaveLength(1);
      expect(stages[0]!.Properties).toMatchObject({
        ApiId: { Ref: apiId },
        StageName: envName,
        AutoDeploy: true,
        DefaultRouteSettings: {
          ThrottlingRateLimit: config.apiThrottling.rateLimit,
          ThrottlingBurstLimit: config.apiThrottling.burstLimit,
        },
      });
      const format = JSON.parse(
        (stages[0]!.Properties.AccessLogSettings as { Format: string }).Format,
      ) as Record<string, string>;
      expect(format).toMatchObject({ connectionId: "$context.connectionId", routeKey: "$context.routeKey" });
      const url = JSON.stringify(env.main.toJSON().Outputs.WebSocketUrl.Value);
      expect(url).toContain("wss://");
      expect(url).toContain(`{"Ref":"${apiId}"}`);
      expect(url).toContain(`/${envName}`);
    });

    it("lets only the fanout post to connections, on this API's stage only", () => {
      for (const fn of [...API_AREAS, ...PROCESSOR_NAMES, ...REALTIME_FUNCTION_NAMES]) {
        const manage = functionStatements(env, fn).filter((statement) =>
          asArray(statement.Action).some((action) => action.startsWith("execute-api:")),
        );
        if (!(WEBSOCKET_PUSHERS as readonly string[]).includes(fn)) {
          expect(manage, fn).toEqual([]);
          continue;
        }
        expect(manage).toHaveLength(1);
        expect(asArray(manage[0]!.Action)).toEqual(["execute-api:ManageConnections"]);
        const resource = JSON.stringify(manage[0]!.Resource);
        expect(resource).toContain(`{"Ref":"${apiId}"}`);
        expect(resource).toContain(`/${envName}/POST/@connections/*`);
        const variables = (
          resources[env.functionLogicalIds[fn]]!.Properties.Environment as {
            Variables: Record<string, unknown>;
          }
        ).Variables;
        const endpoint = JSON.stringify(variables[WEBSOCKET_MANAGEMENT_ENDPOINT_ENV]);
        expect(endpoint).toContain("https://");
        expect(endpoint).toContain(`{"Ref":"${apiId}"}`);
      }
    });

    it("lets the routes function keep the Connections table and touch nothing else; the authorizer no table", () => {
      const tablesTouched = (fn: keyof typeof env.functionLogicalIds) =>
        functionStatements(env, fn)
          .filter((statement) => asArray(statement.Action).every((action) => action.startsWith("dynamodb:")))
          .flatMap((statement) => asArray(statement.Resource).map((r) => describeResource(env, r)));
      expect(REALTIME_ROUTES_TABLE_ACCESS).toEqual({ Connections: "readWrite" });
      expect(tablesTouched("realtime-routes")).toEqual(["table:Connections"]);
      const routesGrant = functionStatements(env, "realtime-routes").find((statement) =>
        asArray(statement.Resource).some((r) => describeResource(env, r) === "table:Connections"),
      );
      expect(asArray(routesGrant!.Action).sort()).toEqual([...TABLE_ACTIONS.readWrite].sort());
      expect(tablesTouched("realtime-authorizer")).toEqual([]);
      // Nothing but the routes function and the fanout ever sees the connections.
      for (const fn of [...API_AREAS, ...PROCESSOR_NAMES].filter((f) => f !== "realtime")) {
        expect(tablesTouched(fn), fn).not.toContain("table:Connections");
      }
    });
  });

  describe("streams", () => {
    const mappings = Object.values(resourcesOf(env.main, "AWS::Lambda::EventSourceMapping"));

    it("maps exactly the stream subscriptions", () => {
      expect(mappings).toHaveLength(STREAM_SUBSCRIPTIONS.length);
    });

    it.each(STREAM_SUBSCRIPTIONS)(
      "feeds $processor from $table with its filters, partial batch responses, bisect, bounded retries and an S3 on-failure destination",
      (subscription) => {
        const matching = mappings.filter(
          (m) =>
            (m.Properties.FunctionName as { Ref: string }).Ref ===
              env.functionLogicalIds[subscription.processor] &&
            describeResource(env, m.Properties.EventSourceArn) === `stream:${subscription.table}`,
        );
        expect(matching).toHaveLength(1);
        const mapping = matching[0]!.Properties;
        const batching = streamBatchingOf(subscription.processor);
        expect(mapping).toMatchObject({
          FilterCriteria: {
            Filters: subscription.filterPatterns.map((p) => ({ Pattern: JSON.stringify(p) })),
          },
          FunctionResponseTypes: ["ReportBatchItemFailures"],
          BisectBatchOnFunctionError: batching.bisectBatchOnError,
          MaximumRetryAttempts: batching.retryAttempts,
          MaximumRecordAgeInSeconds: batching.maxRecordAgeSeconds,
          BatchSize: batching.batchSize,
          MaximumBatchingWindowInSeconds: batching.maxBatchingWindowSeconds,
          StartingPosition: "LATEST",
        });
        expect(mapping.DestinationConfig).toEqual({
          OnFailure: { Destination: { "Fn::GetAtt": [failedRecordsId(), "Arn"] } },
        });
      },
    );

    it("keeps failed records whole in a private, encrypted bucket (retained in production) with PUT metrics", () => {
      // Failed stream records go to S3 whole; the queues are the SES event handler's and the
      // digests' dead-letter queues.
      expect(Object.keys(resourcesOf(env.main, "AWS::SQS::Queue")).sort()).toEqual(
        [
          logicalId(env.stacks.events.emailEvents.deadLetters.node.defaultChild),
          logicalId(env.stacks.events.digests.deadLetters.node.defaultChild),
        ].sort(),
      );
      const bucket = resourcesOf(env.main, "AWS::S3::Bucket")[failedRecordsId()]!;
      expect(bucket.DeletionPolicy).toBe(config.production ? "Retain" : "Delete");
      expect(bucket.Properties).toMatchObject({
        PublicAccessBlockConfiguration: { BlockPublicAcls: true, RestrictPublicBuckets: true },
        BucketEncryption: expect.anything(),
        MetricsConfigurations: [{ Id: FAILED_RECORDS_METRICS_ID }],
      });
      // No expiry: a record stays until someone replays it.
      expect(bucket.Properties.LifecycleConfiguration).toBeUndefined();
    });
  });

  describe("alarms", () => {
    const alarms = Object.values(resourcesOf(env.main, "AWS::CloudWatch::Alarm")).map((a) => a.Properties);
    const topics = Object.keys(resourcesOf(env.main, "AWS::SNS::Topic"));
    const destinations = [{ Ref: topics[0] }, ...(config.alarmTopicArn ? [config.alarmTopicArn] : [])];
    const alarmOn = (metricName: string, dimension: unknown) =>
      alarms.filter(
        (a) =>
          a.MetricName === metricName && JSON.stringify(a.Dimensions).includes(JSON.stringify(dimension)),
      );
    /** Alarms on a metric math expression that uses `metricName` (with `dimension`, if given). */
    const alarmOnExpression = (metricName: string, dimension?: unknown) =>
      alarms.filter((a) =>
        (
          (a.Metrics as { MetricStat?: { Metric: { MetricName: string; Dimensions: unknown } } }[]) ?? []
        ).some(
          (m) =>
            m.MetricStat?.Metric.MetricName === metricName &&
            (dimension === undefined ||
              JSON.stringify(m.MetricStat.Metric.Dimensions).includes(JSON.stringify(dimension))),
        ),
      );

    it("sends every alarm to the environment's topic and the configured topic", () => {
      expect(topics).toHaveLength(1);
      expect(alarms.length).toBeGreaterThan(0);
      // The App stack's alarms reference the topic; the Events stack's read it from the App stack.
      const fromAppStack = {
        "Fn::GetStackOutput": expect.objectContaining({ StackName: `Hearth-${envName}-App` }),
      };
      for (const alarm of alarms) {
        expect([destinations, [fromAppStack, ...destinations.slice(1)]]).toContainEqual(alarm.AlarmActions);
      }
    });

    it("subscribes the configured alarm email to the topic", () => {
      expect(config.alarmEmail).toBeDefined();
      env.main.hasResourceProperties("AWS::SNS::Subscription", {
        Protocol: "email",
        Endpoint: config.alarmEmail,
        TopicArn: { Ref: topics[0] },
      });
    });

    it.each([...API_AREAS, ...PROCESSOR_NAMES])("alarms on errors and throttles of %s", (fn) => {
      const dimension = { Ref: env.functionLogicalIds[fn] };
      expect(alarmOn("Errors", dimension)).toHaveLength(1);
      expect(alarmOn("Throttles", dimension)).toHaveLength(1);
    });

    it.each(PROCESSOR_NAMES)("alarms when records wait 5 minutes for %s", (name) => {
      const [alarm, ...others] = alarmOn("IteratorAge", { Ref: env.functionLogicalIds[name] });
      expect(others).toEqual([]);
      expect(alarm).toMatchObject({ Statistic: "Maximum", Threshold: 300_000 });
    });

    it("alarms on the first failed stream record written to the bucket", () => {
      const [alarm, ...others] = alarmOn("PutRequests", { Ref: failedRecordsId() });
      expect(others).toEqual([]);
      expect(alarm).toMatchObject({ Namespace: "AWS/S3", Statistic: "Sum", Threshold: 1 });
      expect(JSON.stringify(alarm!.Dimensions)).toContain(FAILED_RECORDS_METRICS_ID);
    });

    it("alarms on the API's 5xx rate (5% of requests) and p99 latency (2 s for 15 minutes)", () => {
      const [rate, ...otherRates] = alarmOnExpression("5XXError");
      expect(otherRates).toEqual([]);
      expect(rate).toMatchObject({ Threshold: 5, ComparisonOperator: "GreaterThanOrEqualToThreshold" });
      expect(JSON.stringify(rate!.Metrics)).toContain('"MetricName":"Count"');
      const latency = alarms.filter((a) => a.MetricName === "Latency" && a.Namespace === "AWS/ApiGateway");
      expect(latency).toEqual([
        expect.objectContaining({ ExtendedStatistic: "p99", Threshold: 2000, EvaluationPeriods: 3 }),
      ]);
    });

    it.each(TABLE_SPECS.map((spec) => spec.name))("alarms on throttled requests to %s", (table) => {
      const alarmsOfTable = alarmOnExpression("ReadThrottleEvents").filter((a) =>
        String(a.AlarmDescription).endsWith(` ${table}`),
      );
      expect(alarmsOfTable).toHaveLength(1);
      const metrics = JSON.stringify(alarmsOfTable[0]!.Metrics);
      expect(metrics).toContain('"MetricName":"WriteThrottleEvents"');
      expect(metrics).toContain('"Name":"TableName"');
    });

    it("alarms on SES bounce (5%) and complaint (0.1%) rates, before SES pauses sending", () => {
      const ses = (metricName: string) =>
        alarms.filter((a) => a.Namespace === "AWS/SES" && a.MetricName === metricName);
      expect(ses("Reputation.BounceRate")).toEqual([expect.objectContaining({ Threshold: 0.05 })]);
      expect(ses("Reputation.ComplaintRate")).toEqual([expect.objectContaining({ Threshold: 0.001 })]);
    });

    it("shows every alarm on the environment's two dashboards (API, events)", () => {
      const dashboards = Object.values(resourcesOf(env.main, "AWS::CloudWatch::Dashboard"));
      expect(dashboards.map((d) => d.Properties.DashboardName).sort()).toEqual([
        `hearth-${envName}`,
        `hearth-${envName}-events`,
      ]);
      const body = JSON.stringify(dashboards.map((d) => d.Properties.DashboardBody));
      const alarmIds = Object.keys(resourcesOf(env.main, "AWS::CloudWatch::Alarm"));
      for (const id of alarmIds) expect(body).toContain(`"${id}"`);
    });
  });

  describe("email hygiene (SES configuration set, bounces and complaints)", () => {
    const setName = `hearth-${envName}`;
    const emailEventsId = () => logicalId(env.stacks.events.emailEvents.function.function.node.defaultChild);
    const topicId = () => logicalId(env.stacks.auth.sesEvents.topic.node.defaultChild);
    const keyId = () => logicalId(env.stacks.auth.sesEvents.key.node.defaultChild);
    const configurationSetId = () => logicalId(env.stacks.auth.sesEvents.configurationSet.node.defaultChild);
    const alarmsOfApp = () =>
      Object.values(resourcesOf(env.main, "AWS::CloudWatch::Alarm")).map((a) => a.Properties);

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
        const variables = (
          (env.main.toJSON().Resources as Resources)[env.functionLogicalIds[processor]]!.Properties
            .Environment as { Variables: Record<string, unknown> }
        ).Variables;
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
      const variables = (
        resources("AWS::Lambda::Function")[env.functionLogicalIds.notifications]!.Properties as {
          Environment: { Variables: Record<string, unknown> };
        }
      ).Environment.Variables;
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
        "table:Notifications": read,
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
