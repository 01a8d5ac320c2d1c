import type { ApiArea } from "@hearth/api-handlers";
import type { TableName } from "@hearth/domain";
import { EVENT_MANIFESTS } from "@hearth/stream-processors";
import { Aws, CfnOutput, Stack, type StackProps } from "aws-cdk-lib";
import type * as cognito from "aws-cdk-lib/aws-cognito";
import type * as dynamodb from "aws-cdk-lib/aws-dynamodb";
import type * as lambda from "aws-cdk-lib/aws-lambda";
import type { Construct } from "constructs";
import type { EnvironmentConfig } from "../config.js";
import { Alarms } from "../constructs/alarms.js";
import { ApiFunctions } from "../constructs/api-functions.js";
import { CursorSecret } from "../constructs/cursor-secret.js";
import { FilesBucketAccess } from "../constructs/files-bucket-access.js";
import type { HearthFunction } from "../constructs/hearth-function.js";
import type { RestApi } from "../constructs/rest-api.js";
import type { WebAcl } from "../constructs/web-acl.js";

export interface AppStackProps extends StackProps {
  config: EnvironmentConfig;
  tables: Record<TableName, dynamodb.ITable>;
  userPool: cognito.IUserPool;
  userPoolClient: cognito.IUserPoolClient;
  /** The user pool's sign-in trigger (Auth stack): alarmed here with the API. */
  signInTrigger: lambda.IFunction;
}

/** The keys of the deployed outputs (over the App and Events stacks); the local stack writes the same keys. */
export const OUTPUT_KEYS = [
  "Region",
  "ApiUrl",
  "UserPoolId",
  "UserPoolClientId",
  "AttachmentsBucket",
  "WebSocketUrl",
] as const;
export type OutputKey = (typeof OUTPUT_KEYS)[number];

/**
 * The REST API: the API functions behind it, the cursor secret they sign with, the WAF, and the
 * environment's alarm topic with the alarms of the API, its functions, the sign-in trigger and
 * the tables. Deploys after Data and Auth, before Events (which reads the API's URL, the
 * secret and the alarm topic from here).
 */
export class AppStack extends Stack {
  readonly apiFunctions: Record<ApiArea, HearthFunction>;
  readonly restApi: RestApi;
  readonly webAcl?: WebAcl;
  readonly cursorSecret: CursorSecret;
  readonly alarms: Alarms;

  constructor(scope: Construct, id: string, props: AppStackProps) {
    super(scope, id, props);
    const { config, tables } = props;
    this.cursorSecret = new CursorSecret(this, "CursorSecret", config);
    const filesBucket = new FilesBucketAccess(config);
    const api = new ApiFunctions(this, "Api", {
      links: {
        config,
        tables,
        filesBucket,
        cursorSecret: this.cursorSecret.secret,
        userPool: props.userPool,
      },
    });
    this.apiFunctions = api.functions;
    this.restApi = api.restApi;
    if (api.webAcl) this.webAcl = api.webAcl;

    this.alarms = new Alarms(this, "Alarms", {
      environmentName: config.name,
      dashboardName: `hearth-${config.name}`,
      ...(config.alarmEmail ? { alarmEmail: config.alarmEmail } : {}),
      ...(config.alarmTopicArn ? { alarmTopicArn: config.alarmTopicArn } : {}),
    });
    // Any function error or throttle is a defect worth a look; so is any throttled table request.
    this.alarms.section("API", () => this.restApi.addAlarms(this.alarms));
    this.alarms.section("API functions", () =>
      this.alarms.functionAlarms([
        ...Object.values(this.apiFunctions),
        { manifest: EVENT_MANIFESTS.signIn, function: props.signInTrigger },
      ]),
    );
    this.alarms.section("DynamoDB", () => this.alarms.tableAlarms(tables));

    const outputs: Partial<Record<OutputKey, string>> = {
      Region: Aws.REGION,
      ApiUrl: this.restApi.api.url,
      UserPoolId: props.userPool.userPoolId,
      UserPoolClientId: props.userPoolClient.userPoolClientId,
      AttachmentsBucket: filesBucket.bucketName,
    };
    for (const [key, value] of Object.entries(outputs)) new CfnOutput(this, key, { value });
  }
}
