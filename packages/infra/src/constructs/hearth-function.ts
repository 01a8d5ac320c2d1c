import { FUNCTION_TIMEOUT_ENV, type FunctionManifest, serviceNameOf } from "@hearth/domain";
import { Duration } from "aws-cdk-lib";
import * as iam from "aws-cdk-lib/aws-iam";
import * as lambda from "aws-cdk-lib/aws-lambda";
import { NodejsFunction } from "aws-cdk-lib/aws-lambda-nodejs";
import * as logs from "aws-cdk-lib/aws-logs";
import { Construct } from "constructs";
import { esbuildSettingsFor, nodejsBundling } from "../bundling.js";
import { type EnvironmentConfig, removalPolicyOf } from "../config.js";
import { acknowledgeNag } from "../nag.js";
import { LOCKFILE, REPO_ROOT } from "../paths.js";
import { type FunctionLinks, linkFunction } from "./function-links.js";

/** One CloudWatch metrics namespace per environment. */
function metricsNamespace(config: EnvironmentConfig): string {
  return `Hearth/${config.name}`;
}

export interface HearthFunctionProps {
  manifest: FunctionManifest;
  config: EnvironmentConfig;
  /** What the stack has to give the function; its manifest says which it takes. */
  links: FunctionLinks;
}

/**
 * One function of the app, built from its manifest: nodejs22.x on ARM64, bundled with the
 * shared esbuild settings, its own log group with the environment's retention, active X-Ray
 * tracing, and a role that starts with nothing but the right to write to that log group and
 * its traces; `linkFunction` then adds exactly the tables, objects, calls and settings the
 * manifest declares. It learns its own timeout through `FUNCTION_TIMEOUT_SECONDS`, so its SDK
 * clients give up in time.
 */
export class HearthFunction extends Construct {
  readonly manifest: FunctionManifest;
  readonly function: NodejsFunction;
  readonly logGroup: logs.LogGroup;
  readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: HearthFunctionProps) {
    super(scope, id);
    const { manifest, config } = props;
    this.manifest = manifest;
    this.logGroup = new logs.LogGroup(this, "Logs", {
      retention: config.logRetention,
      removalPolicy: removalPolicyOf(config),
    });
    this.role = new iam.Role(this, "Role", {
      assumedBy: new iam.ServicePrincipal("lambda.amazonaws.com"),
      description: `Hearth ${config.name} ${manifest.name}`,
    });
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ["logs:CreateLogStream", "logs:PutLogEvents"],
        resources: [this.logGroup.logGroupArn],
      }),
    );
    this.function = new NodejsFunction(this, "Function", {
      entry: manifest.entry,
      handler: "handler",
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: manifest.memoryMb,
      timeout: Duration.seconds(manifest.timeoutSeconds),
      description: `Hearth ${config.name} ${manifest.description}`,
      role: this.role,
      logGroup: this.logGroup,
      projectRoot: REPO_ROOT,
      depsLockFilePath: LOCKFILE,
      bundling: nodejsBundling(esbuildSettingsFor(manifest)),
      // X-Ray: each invocation is traced (the API stage passes its trace header on).
      tracing: lambda.Tracing.ACTIVE,
      environment: {
        STAGE: config.name,
        LOG_LEVEL: config.logLevel,
        POWERTOOLS_SERVICE_NAME: serviceNameOf(manifest),
        // Powertools Metrics (EMF, written to the function's log; no IAM permission needed).
        POWERTOOLS_METRICS_NAMESPACE: metricsNamespace(config),
        [FUNCTION_TIMEOUT_ENV]: String(manifest.timeoutSeconds),
      },
    });
    linkFunction(this, props.links);
    acknowledgeNag(this.role, [
      {
        id: "AwsSolutions-IAM5[Resource::*]",
        reason:
          "X-Ray's PutTraceSegments/PutTelemetryRecords have no resource-level permissions (added by active tracing); every other wildcard is justified where it is granted.",
      },
    ]);
    acknowledgeNag(this.function, [
      {
        id: "AwsSolutions-L1",
        reason:
          "The project targets nodejs22.x (esbuild target node22, same major as CI); moving to a newer runtime is a deliberate, tested upgrade.",
      },
    ]);
  }
}
