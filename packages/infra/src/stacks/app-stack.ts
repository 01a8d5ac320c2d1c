import type { ApiArea } from "@hearth/api-handlers";
import type { TableName } from "@hearth/domain";
import { Aws, CfnOutput, Duration, Stack, type StackProps } from "aws-cdk-lib";
import * as cloudwatch from "aws-cdk-lib/aws-cloudwatch";
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
    this.addAlarms(tables, props.signInTrigger);

    const outputs: Partial<Record<OutputKey, string>> = {
      Region: Aws.REGION,
      ApiUrl: this.restApi.api.url,
      UserPoolId: props.userPool.userPoolId,
      UserPoolClientId: props.userPoolClient.userPoolClientId,
      AttachmentsBucket: filesBucket.bucketName,
    };
    for (const [key, value] of Object.entries(outputs)) new CfnOutput(this, key, { value });
  }

  /**
   * Thresholds: any function error or throttle is a defect worth a look; the API's 5xx rate and
   * p99 latency over a sustained window (not a single cold start); any throttled table request.
   */
  private addAlarms(tables: Record<TableName, dynamodb.ITable>, signInTrigger: lambda.IFunction): void {
    const period = Duration.minutes(5);
    const { alarms } = this;
    const api = this.restApi.api;
    alarms.section("API", () => {
      alarms.alarm("api-5xx-rate", {
        metric: new cloudwatch.MathExpression({
          expression: "IF(requests > 0, 100 * errors / requests, 0)",
          usingMetrics: {
            errors: api.metricServerError({ period, statistic: "Sum" }),
            requests: api.metricCount({ period, statistic: "SampleCount" }),
          },
          label: "5xx responses (% of requests)",
          period,
        }),
        threshold: 5,
        description: "API 5xx responses reached 5% of requests",
      });
      alarms.alarm("api-p99-latency", {
        metric: api.metricLatency({ period, statistic: "p99" }),
        threshold: 2000,
        evaluationPeriods: 3,
        description: "API p99 latency stayed at or above 2 s for 15 minutes",
      });
    });
    alarms.section("API functions", () => {
      alarms.functionAlarms(Object.values(this.apiFunctions), period);
      alarms.alarm("auth-sign-in-errors", {
        metric: signInTrigger.metricErrors({ period }),
        threshold: 1,
        description:
          "The sign-in trigger failed (timeouts or crashes; it logs and lets DynamoDB errors pass)",
      });
      alarms.alarm("auth-sign-in-throttles", {
        metric: signInTrigger.metricThrottles({ period }),
        threshold: 1,
        description: "The sign-in trigger was throttled",
      });
    });
    alarms.section("DynamoDB", () => {
      for (const [name, table] of Object.entries(tables)) {
        alarms.alarm(`${name}-throttles`, {
          metric: new cloudwatch.MathExpression({
            expression: "reads + writes",
            usingMetrics: {
              reads: table.metric("ReadThrottleEvents", { period, statistic: "Sum" }),
              writes: table.metric("WriteThrottleEvents", { period, statistic: "Sum" }),
            },
            label: `${name} throttled requests`,
            period,
          }),
          threshold: 1,
          description: `DynamoDB throttled requests to ${name}`,
        });
      }
    });
  }
}
