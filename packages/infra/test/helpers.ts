import { API_AREAS, type ApiArea, REALTIME_MANIFESTS, type RealtimeFunctionName } from "@hearth/api-handlers";
import { TABLE_SPECS, type TableName } from "@hearth/domain";
import { PROCESSOR_NAMES, type ProcessorName } from "@hearth/stream-processors";
import { App, type CfnResource, type PolicyValidationPluginReport, Stack, Validations } from "aws-cdk-lib";
import { Template } from "aws-cdk-lib/assertions";
import type { IConstruct } from "constructs";
import { addHearthStacks, type HearthStacks } from "../src/app.js";
import { type EnvironmentName, FIXTURE_CONFIG_PATH } from "../src/config.js";
import { cdkJsonContext } from "../src/context.js";
import { AwsSolutionsChecks } from "../src/nag.js";

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
  functionLogicalIds: Record<ApiArea | ProcessorName | RealtimeFunctionName, string>;
}

const cache = new Map<EnvironmentName, SynthesizedEnvironment>();

/**
 * One environment's stacks from the fixture config file, synthesized once per test file without bundling (the
 * documented `aws:cdk:bundling-stacks` context), with cdk-nag's report.
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
  ]) as Record<ApiArea | ProcessorName | RealtimeFunctionName, string>;
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
export function functionStatements(
  env: SynthesizedEnvironment,
  fn: ApiArea | ProcessorName | RealtimeFunctionName,
): PolicyStatementJson[] {
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
