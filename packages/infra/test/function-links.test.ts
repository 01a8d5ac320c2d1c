import { API_AREAS, API_MANIFESTS, type ApiArea } from "@hearth/api-handlers";
import {
  type FunctionManifest,
  rateLimitsFromEnv,
  SETTING_VARIABLES,
  type Setting,
  TABLE_SPECS,
  type TableAccess,
  type TableName,
  type TableSpec,
} from "@hearth/domain";
import {
  PROCESSOR_MANIFESTS,
  PROCESSOR_NAMES,
  type ProcessorName,
  STREAM_SUBSCRIPTIONS,
} from "@hearth/stream-processors";
import { describe, expect, it } from "vitest";
import { ENVIRONMENT_NAMES, fixtureConfig } from "../src/config.js";
import { TABLE_ACTIONS } from "../src/grants.js";
import {
  ACCOUNT_DELETERS,
  API_GROUP_MANAGERS,
  API_TABLE_ACCESS,
  asArray,
  describeResource,
  EMAIL_SENDERS,
  type FunctionName,
  functionStatements,
  logicalId,
  PROCESSOR_TABLE_ACCESS,
  REALTIME_FUNCTION_NAMES,
  type Resources,
  resourcesOf,
  synthesize,
  variablesOf,
} from "./helpers.js";

describe.each(ENVIRONMENT_NAMES)("the %s environment", (envName) => {
  const config = fixtureConfig(envName);
  const env = synthesize(envName);

  describe("functions", () => {
    const functions = Object.values(resourcesOf(env.main, "AWS::Lambda::Function"));
    const cursorSecretId = logicalId(env.stacks.app.cursorSecret.secret.node.defaultChild);

    it.each([...API_AREAS, ...PROCESSOR_NAMES])(
      "tells %s exactly its own tables and the settings its manifest reads",
      (fn) => {
        const manifest: FunctionManifest =
          fn in API_MANIFESTS ? API_MANIFESTS[fn as ApiArea] : PROCESSOR_MANIFESTS[fn as ProcessorName];
        const variables = variablesOf(env, fn);
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

    it("tells the functions that serve profile photos the environment's photo hosts", () => {
      const servers = [...API_AREAS, ...PROCESSOR_NAMES].filter((fn) =>
        (fn in API_MANIFESTS
          ? (API_MANIFESTS[fn as ApiArea] as FunctionManifest)
          : (PROCESSOR_MANIFESTS[fn as ProcessorName] as FunctionManifest)
        ).settings.includes("photoHosts"),
      );
      expect(servers.sort()).toEqual(["comments", "messages", "profile", "reactions", "realtime"]);
      for (const fn of servers)
        expect(variablesOf(env, fn).PHOTO_HOSTS, fn).toBe(config.photoHosts.join(","));
    });

    it.each(API_AREAS)("gives the %s API function its settings", (area) => {
      const variables = variablesOf(env, area);
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
      const variables = variablesOf(env, "notifications");
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
        expect(variablesOf(env, other), other).not.toHaveProperty("API_URL");
        expect(variablesOf(env, other), other).not.toHaveProperty("CURSOR_SECRET_ARN");
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

    it("tells only the admin function, and the jobs function (is the person an admin?), which user pool it asks", () => {
      for (const area of API_AREAS) {
        const variables = variablesOf(env, area);
        if ([...API_GROUP_MANAGERS, "jobs"].includes(area)) {
          expect(JSON.stringify(variables.USER_POOL_ID)).toContain("UserPool");
        } else expect(variables).not.toHaveProperty("USER_POOL_ID");
      }
    });

    it("gives the email senders the sender, the site and the digest window", () => {
      for (const name of EMAIL_SENDERS) {
        expect(variablesOf(env, name), name).toMatchObject({
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

    const dynamoGrants = (fn: FunctionName) => {
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
      // Besides the revocation list every API function reads.
      expect(dynamoGrants("feed")).toEqual({
        read: ["table:Revocations"],
        readUpdate: ["index:Notifications/ActorIndex", "table:Notifications"],
        readWrite: [],
      });
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

    it("gives an area that only updates a table's items read-and-update rights there, never Put, Delete or BatchWrite", () => {
      // The feed marks entries read and moves the counter; a profile save is an UpdateItem;
      // a like puts or deletes the reaction row but only updates the comment's counters.
      const onlyUpdated: [ApiArea, TableName[]][] = [
        ["feed", ["Notifications"]],
        ["profile", ["UserProfiles"]],
        ["reactions", ["Comments", "CommentLocators"]],
      ];
      for (const [area, tables] of onlyUpdated) {
        const grants = dynamoGrants(area);
        for (const table of tables) {
          expect(grants.readUpdate, `${area} on ${table}`).toContain(`table:${table}`);
          expect(grants.readWrite, `${area} on ${table}`).not.toContain(`table:${table}`);
        }
        for (const statement of functionStatements(env, area)) {
          const resources = asArray(statement.Resource).map((r) => describeResource(env, r));
          if (!tables.some((table) => resources.includes(`table:${table}`))) continue;
          expect(asArray(statement.Action), area).not.toEqual(
            expect.arrayContaining([expect.stringMatching(/PutItem|DeleteItem|BatchWriteItem/)]),
          );
        }
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

    it("lets only the admin function change groups and sign people out, the jobs function ask who is an admin and the deletion worker delete users, on this pool, nothing else", () => {
      const rights: Record<string, string[]> = {
        ...Object.fromEntries(
          API_GROUP_MANAGERS.map((fn) => [
            fn,
            [
              "cognito-idp:AdminAddUserToGroup",
              "cognito-idp:AdminRemoveUserFromGroup",
              "cognito-idp:AdminUserGlobalSignOut",
              "cognito-idp:AdminListGroupsForUser",
            ],
          ]),
        ),
        jobs: ["cognito-idp:AdminListGroupsForUser"],
        ...Object.fromEntries(ACCOUNT_DELETERS.map((fn) => [fn, ["cognito-idp:AdminDeleteUser"]])),
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
        expect(asArray(cognito[0]!.Action).sort()).toEqual([...rights[fn]].sort());
        // A reference to the Auth stack's user pool ARN (an import), never a wildcard.
        expect(JSON.stringify(cognito[0]!.Resource)).not.toContain("*");
        expect(JSON.stringify(cognito[0]!.Resource)).toMatch(/UserPool[0-9A-F]*\.?Arn|UserPool\w*Arn/);
      }
    });
  });
});
