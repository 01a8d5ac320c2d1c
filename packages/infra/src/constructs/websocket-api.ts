import {
  REALTIME_REPLYING_ROUTES,
  REALTIME_ROUTE_KEYS,
  REALTIME_ROUTE_SELECTION_EXPRESSION,
  REALTIME_TOKEN_PARAMETER,
} from "@hearth/api-handlers";
import { Aws, Stack } from "aws-cdk-lib";
import * as apigw from "aws-cdk-lib/aws-apigateway";
import * as apigwv2 from "aws-cdk-lib/aws-apigatewayv2";
import { WebSocketLambdaAuthorizer } from "aws-cdk-lib/aws-apigatewayv2-authorizers";
import { WebSocketLambdaIntegration } from "aws-cdk-lib/aws-apigatewayv2-integrations";
import * as iam from "aws-cdk-lib/aws-iam";
import type * as lambda from "aws-cdk-lib/aws-lambda";
import * as logs from "aws-cdk-lib/aws-logs";
import { Construct } from "constructs";
import { type EnvironmentConfig, removalPolicyOf } from "../config.js";
import { acknowledgeNag } from "../nag.js";

export interface WebSocketApiProps {
  config: EnvironmentConfig;
  /** The `$connect` REQUEST authorizer (realtime-authorizer). */
  authorizer: lambda.IFunction;
  /** The one function behind every route (realtime-routes). */
  routes: lambda.IFunction;
}

const field = apigw.AccessLogField;
/** One JSON line per connection event or message: who, which route, the outcome. */
const ACCESS_LOG_FORMAT = apigw.AccessLogFormat.custom(
  JSON.stringify({
    requestId: field.contextRequestId(),
    requestTime: field.contextRequestTime(),
    connectionId: "$context.connectionId",
    eventType: "$context.eventType",
    routeKey: "$context.routeKey",
    userId: field.contextAuthorizer("userId"),
    status: field.contextStatus(),
    integrationError: field.contextIntegrationErrorMessage(),
    error: field.contextErrorMessage(),
    sourceIp: field.contextIdentitySourceIp(),
  }),
);

/**
 * The WebSocket API of the realtime pushes: a Lambda REQUEST authorizer on `$connect`
 * reading the ID token from the query string, every route of the protocol on the routes
 * function (the client's messages as two-way routes, so their replies reach the client), one
 * stage with throttling and JSON access logs.
 */
export class WebSocketApi extends Construct {
  readonly api: apigwv2.WebSocketApi;
  readonly stage: apigwv2.WebSocketStage;

  constructor(scope: Construct, id: string, props: WebSocketApiProps) {
    super(scope, id);
    const { config } = props;
    const integration = new WebSocketLambdaIntegration("Routes", props.routes);
    const authorizer = new WebSocketLambdaAuthorizer("Authorizer", props.authorizer, {
      identitySource: [`route.request.querystring.${REALTIME_TOKEN_PARAMETER}`],
    });
    this.api = new apigwv2.WebSocketApi(this, "Api", {
      apiName: `hearth-${config.name}-realtime`,
      description: `Hearth ${config.name} realtime pushes (WebSocket)`,
      routeSelectionExpression: REALTIME_ROUTE_SELECTION_EXPRESSION,
      connectRouteOptions: { integration, authorizer },
      disconnectRouteOptions: { integration },
      defaultRouteOptions: { integration, returnResponse: true },
    });
    const replying = REALTIME_REPLYING_ROUTES as readonly string[];
    for (const routeKey of REALTIME_ROUTE_KEYS) {
      if (routeKey.startsWith("$")) continue;
      this.api.addRoute(routeKey, { integration, returnResponse: replying.includes(routeKey) });
    }

    const accessLogs = new logs.LogGroup(this, "AccessLogs", {
      retention: config.logRetention,
      removalPolicy: removalPolicyOf(config),
    });
    this.stage = new apigwv2.WebSocketStage(this, "Stage", {
      webSocketApi: this.api,
      stageName: config.name,
      autoDeploy: true,
      throttle: {
        rateLimit: config.apiThrottling.rateLimit,
        burstLimit: config.apiThrottling.burstLimit,
      },
      accessLogSettings: {
        destination: new apigwv2.LogGroupLogDestination(accessLogs),
        format: ACCESS_LOG_FORMAT,
      },
    });

    for (const route of this.api.node.findAll().filter((c) => c instanceof apigwv2.CfnRoute)) {
      const routeKey = (route as apigwv2.CfnRoute).routeKey;
      if (routeKey === "$connect") continue;
      acknowledgeNag(route, [
        {
          id: "AwsSolutions-APIG4",
          reason:
            "A WebSocket API authorizes once, at $connect (the Lambda authorizer verifies the Cognito ID token); every later route runs on that authorized connection with its identity.",
        },
      ]);
    }
  }

  /** `wss://<api id>.execute-api.<region>.amazonaws.com/<stage>`: what clients connect to. */
  get url(): string {
    return this.stage.url;
  }

  /** `https://…/<stage>`: the management API endpoint pushes are posted to. */
  get managementEndpoint(): string {
    return this.stage.callbackUrl;
  }

  /** The right to post to this API's connections, on this stage only (nothing else of API Gateway). */
  grantPostToConnections(fn: lambda.IFunction): void {
    const stack = Stack.of(this);
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ["execute-api:ManageConnections"],
        resources: [
          `arn:${Aws.PARTITION}:execute-api:${Aws.REGION}:${Aws.ACCOUNT_ID}:${this.api.apiId}/${this.stage.stageName}/POST/@connections/*`,
        ],
      }),
    );
    if (fn.role) {
      acknowledgeNag(fn.role, [
        {
          id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:execute-api:<AWS::Region>:<AWS::AccountId>:<${stack.getLogicalId(this.api.node.defaultChild as apigwv2.CfnApi)}>/${this.stage.stageName}/POST/@connections/*]`,
          reason:
            "Connection ids are only known when a push is made, so the right covers posting to any connection of this API's one stage (and nothing else).",
        },
      ]);
    }
  }
}
