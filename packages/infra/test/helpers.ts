import {
  API_AREAS,
  API_MANIFESTS,
  type ApiArea,
  REALTIME_MANIFESTS,
  type RealtimeFunctionName,
} from "@hearth/api-handlers";
import { type FunctionManifest, TABLE_SPECS, type TableAccess, type TableName } from "@hearth/domain";
import {
  EVENT_MANIFESTS,
  PROCESSOR_MANIFESTS,
  PROCESSOR_NAMES,
  type ProcessorName,
} from "@hearth/stream-processors";
import { App, type CfnResource, type PolicyValidationPluginReport, Stack, Validations } from "aws-cdk-lib";
import { Template } from "aws-cdk-lib/assertions";
import type { IConstruct } from "constructs";
import { addHearthStacks, type HearthStacks } from "../src/app.js";
import { type EnvironmentName, FIXTURE_CONFIG_PATH } from "../src/config.js";
import { cdkJsonContext } from "../src/context.js";
import { AwsSolutionsChecks } from "../src/nag.js";

// What the manifests declare, which the synthesized stacks must grant and set exactly.
export const REALTIME_FUNCTION_NAMES = Object.keys(REALTIME_MANIFESTS) as RealtimeFunctionName[];
const tablesOf = <K extends string>(manifests: Record<K, FunctionManifest>) =>
  Object.fromEntries(
    Object.entries<FunctionManifest>(manifests).map(([key, m]) => [key, m.tables]),
  ) as Record<K, Partial<Record<TableName, TableAccess>>>;
export const API_TABLE_ACCESS = tablesOf(API_MANIFESTS);
export const PROCESSOR_TABLE_ACCESS = tablesOf(PROCESSOR_MANIFESTS);
export const SIGN_IN_TABLE_ACCESS = EVENT_MANIFESTS.signIn.tables;
export const REALTIME_ROUTES_TABLE_ACCESS = REALTIME_MANIFESTS["realtime-routes"].tables;
export const API_GROUP_MANAGERS = API_AREAS.filter((area) =>
  (API_MANIFESTS[area] as FunctionManifest).userPoolActions?.includes("cognito-idp:AdminAddUserToGroup"),
);
export const ACCOUNT_DELETERS = PROCESSOR_NAMES.filter((name) =>
  (PROCESSOR_MANIFESTS[name] as FunctionManifest).userPoolActions?.includes("cognito-idp:AdminDeleteUser"),
);
export const EMAIL_SENDERS = PROCESSOR_NAMES.filter(
  (name) => (PROCESSOR_MANIFESTS[name] as FunctionManifest).sendsEmail,
);
export const WEBSOCKET_PUSHERS = PROCESSOR_NAMES.filter((name) =>
  PROCESSOR_MANIFESTS[name].settings.some((setting) => setting === "webSocketManagement"),
);

/** Every function of the stacks, by the name its manifest gives it. */
export type FunctionName = ApiArea | ProcessorName | RealtimeFunctionName;

export interface SynthesizedEnvironment {
  app: App;
  stacks: HearthStacks;
  data: Template;
  auth: Template;
  /** The App and Events stacks' resources together (their logical ids never collide). */
  main: Template;
  nag: PolicyValidationPluginReport;
  /** Logical id (in the data stack) → table name. */
  tableByLogicalId: Map<string, TableName>;
  /** Logical id (in the app stack) of each function. */
  functionLogicalIds: Record<FunctionName, string>;
}

const cache = new Map<EnvironmentName, SynthesizedEnvironment>();

/**
 * One environment's stacks from the fixture config file, synthesized once per worker without bundling (the
 * documented `aws:cdk:bundling-stacks` context), with cdk-nag's report. The infra project runs its files
 * unisolated (vitest.config.ts), so every test file of a worker reads the same synthesis: treat it as read-only.
 */
export function synthesize(env: EnvironmentName): SynthesizedEnvironment {
  const cached = cache.get(env);
  if (cached) return cached;
  const app = new App({
    context: { ...cdkJsonContext(), env, config: FIXTURE_CONFIG_PATH, "aws:cdk:bundling-stacks": [] },
  });
  const stacks = addHearthStacks(app, { nag: false });
  const nag = new AwsSolutionsChecks(app).validateScope(app);
  const tableByLogicalId = new Map<string, TableName>(
    TABLE_SPECS.map((spec) => [logicalId(stacks.data.tables[spec.name].node.defaultChild), spec.name]),
  );
  const functionLogicalIds = Object.fromEntries([
    ...API_AREAS.map((area) => [area, logicalId(stacks.app.apiFunctions[area].function.node.defaultChild)]),
    ...PROCESSOR_NAMES.map((name) => [
      name,
      logicalId(stacks.events.processorFunctions[name].function.node.defaultChild),
    ]),
    ...(Object.keys(REALTIME_MANIFESTS) as RealtimeFunctionName[]).map((name) => [
      name,
      logicalId(
        (name === "realtime-authorizer" ? stacks.events.realtime.authorizer : stacks.events.realtime.routes)
          .function.node.defaultChild,
      ),
    ]),
  ]) as Record<FunctionName, string>;
  const result: SynthesizedEnvironment = {
    app,
    stacks,
    data: Template.fromStack(stacks.data),
    auth: Template.fromStack(stacks.auth),
    main: mergedTemplate(Template.fromStack(stacks.app), Template.fromStack(stacks.events)),
    nag,
    tableByLogicalId,
    functionLogicalIds,
  };
  cache.set(env, result);
  return result;
}

function mergedTemplate(...templates: Template[]): Template {
  const merged = { Resources: {} as Record<string, unknown>, Outputs: {} as Record<string, unknown> };
  for (const template of templates) {
    const json = template.toJSON() as {
      Resources?: Record<string, unknown>;
      Outputs?: Record<string, unknown>;
    };
    for (const [id, resource] of Object.entries(json.Resources ?? {})) {
      if (id in merged.Resources) throw new Error(`Logical id ${id} is in two stacks`);
      merged.Resources[id] = resource;
    }
    Object.assign(merged.Outputs, json.Outputs);
  }
  return Template.fromJSON(merged);
}

export type Resources = Record<
  string,
  { Type: string; Properties: Record<string, unknown>; DeletionPolicy?: string }
>;

/** A template's resources of one type, by logical id. */
export function resourcesOf(template: { toJSON(): Record<string, unknown> }, type: string): Resources {
  const all = template.toJSON().Resources as Resources;
  return Object.fromEntries(Object.entries(all).filter(([, r]) => r.Type === type));
}

/** A function's environment variables. */
export function variablesOf(env: SynthesizedEnvironment, fn: FunctionName): Record<string, unknown> {
  return (
    (env.main.toJSON().Resources as Resources)[env.functionLogicalIds[fn]]!.Properties.Environment as {
      Variables: Record<string, unknown>;
    }
  ).Variables;
}

/** The properties of every alarm of the App and Events stacks. */
export function alarmsOf(env: SynthesizedEnvironment): Record<string, unknown>[] {
  return Object.values(resourcesOf(env.main, "AWS::CloudWatch::Alarm")).map((a) => a.Properties);
}

/** Logical id of the bucket that keeps the stream processors' failed records. */
export function failedRecordsId(env: SynthesizedEnvironment): string {
  return env.stacks.events.getLogicalId(
    env.stacks.events.streamProcessors.failedRecords.node.defaultChild as never,
  );
}

export function logicalId(construct: IConstruct | undefined): string {
  if (!construct) throw new Error("construct without a CloudFormation resource");
  return Stack.of(construct).getLogicalId(construct as CfnResource);
}

type Json = unknown;

/**
 * Describes an IAM resource of the app stack in plain words, following cross-stack
 * references into the data stack: `table:Comments`, `index:Comments/UserCommentsIndex`,
 * `stream:Messages`, `*`, or the JSON of anything else.
 */
export function describeResource(env: SynthesizedEnvironment, resource: Json): string {
  const dataOutputs = env.data.toJSON().Outputs as Record<string, { Value: Json }>;
  const tableOf = (value: Json): { table: TableName; attribute: string } | undefined => {
    const output = (value as { "Fn::GetStackOutput"?: { StackName: string; OutputName: string } })[
      "Fn::GetStackOutput"
    ];
    if (!output || output.StackName !== env.stacks.data.stackName) return undefined;
    const target = dataOutputs[output.OutputName]?.Value as { "Fn::GetAtt"?: [string, string] } | undefined;
    const getAtt = target?.["Fn::GetAtt"];
    const table = getAtt && env.tableByLogicalId.get(getAtt[0]);
    return table && getAtt ? { table, attribute: getAtt[1] } : undefined;
  };
  if (resource === "*") return "*";
  const direct = tableOf(resource);
  if (direct?.attribute === "Arn") return `table:${direct.table}`;
  if (direct?.attribute === "StreamArn") return `stream:${direct.table}`;
  const join = (resource as { "Fn::Join"?: [string, Json[]] })["Fn::Join"];
  if (join && join[0] === "" && join[1].length === 2) {
    const [head, tail] = join[1];
    const base = tableOf(head);
    const index = typeof tail === "string" ? /^\/index\/(.+)$/.exec(tail) : null;
    if (base?.attribute === "Arn" && index) return `index:${base.table}/${index[1]}`;
  }
  return JSON.stringify(resource);
}

export interface PolicyStatementJson {
  Action: string | string[];
  Resource: Json | Json[];
  Effect: string;
  Condition?: Json;
}

/** The statements of the policy attached to a function's role. */
export function functionStatements(env: SynthesizedEnvironment, fn: FunctionName): PolicyStatementJson[] {
  return roleStatements(env.main, env.functionLogicalIds[fn]);
}

/** The statements of the policy attached to the role of the function `functionLogicalId` in `stack`. */
export function roleStatements(stack: Template, functionLogicalId: string): PolicyStatementJson[] {
  const template = stack.toJSON();
  const resources = template.Resources as Record<string, { Type: string; Properties: Record<string, Json> }>;
  const functionProps = resources[functionLogicalId]!.Properties;
  const roleId = (functionProps.Role as { "Fn::GetAtt": [string, string] })["Fn::GetAtt"][0];
  return Object.values(resources)
    .filter(
      (r) =>
        r.Type === "AWS::IAM::Policy" &&
        (r.Properties.Roles as Json[]).some((role) => (role as { Ref?: string }).Ref === roleId),
    )
    .flatMap((r) => (r.Properties.PolicyDocument as { Statement: PolicyStatementJson[] }).Statement);
}

/** A function's statements on S3 of one bucket: the files bucket or the failed-records bucket. */
export function s3Statements(
  env: SynthesizedEnvironment,
  fn: FunctionName,
  bucket: "attachments" | "failedRecords",
): PolicyStatementJson[] {
  return functionStatements(env, fn).filter(
    (s) =>
      asArray(s.Action).some((a) => a.startsWith("s3:")) &&
      JSON.stringify(s.Resource).includes(bucket === "attachments" ? "-attachments-" : failedRecordsId(env)),
  );
}

export function asArray<T>(value: T | T[]): T[] {
  return Array.isArray(value) ? value : [value];
}

/** Every acknowledgement recorded anywhere in the app, with the path it was made on. */
export function acknowledgements(app: App): { path: string; id: string; reason: unknown }[] {
  return app.node.findAll().flatMap((construct) =>
    construct.node.metadata
      .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((entry) =>
        Object.entries(entry.data as Record<string, unknown>).map(([id, reason]) => ({
          path: construct.node.path,
          id,
          reason,
        })),
      ),
  );
}
