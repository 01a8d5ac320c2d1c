import {
  type ApiArea,
  CORS_ALLOWED_HEADERS,
  CORS_MAX_AGE_SECONDS,
  isPublicRoute,
  ROUTES,
} from "@hearth/api-handlers";
import { Duration, RemovalPolicy } from "aws-cdk-lib";
import * as apigw from "aws-cdk-lib/aws-apigateway";
import * as cloudwatch from "aws-cdk-lib/aws-cloudwatch";
import type * as cognito from "aws-cdk-lib/aws-cognito";
import type * as lambda from "aws-cdk-lib/aws-lambda";
import * as logs from "aws-cdk-lib/aws-logs";
import { Construct } from "constructs";
import { type EnvironmentConfig, removalPolicyOf } from "../config.js";
import { acknowledgeNag } from "../nag.js";
import type { Alarms } from "./alarms.js";

export interface RestApiProps {
  config: EnvironmentConfig;
  userPool: cognito.IUserPool;
  /** The function behind each area of the route table. */
  handlers: Record<ApiArea, lambda.IFunction>;
}

/** `{userId}` → `method.request.path.userId`: the path parameters a route must carry. */
function pathParameters(resource: string): string[] {
  return [...resource.matchAll(/\{([^}]+)\}/g)].map((match) => match[1]!);
}

/** Gateway error bodies in the API's error shape: `{"error": {"code", "message"}}`. */
const ERROR_TEMPLATE =
  '{"error":{"code":"$context.error.responseType","message":$context.error.messageString}}';

const field = apigw.AccessLogField;
/**
 * One JSON line per request: who called (the token's `sub`), which route, the outcome and
 * its latency, and why the integration failed when it did.
 */
const ACCESS_LOG_FORMAT = apigw.AccessLogFormat.custom(
  JSON.stringify({
    requestId: field.contextRequestId(),
    requestTime: field.contextRequestTime(),
    sub: field.contextAuthorizerClaims("sub"),
    httpMethod: field.contextHttpMethod(),
    route: field.contextResourcePath(),
    status: field.contextStatus(),
    responseLatencyMs: field.contextResponseLatency(),
    integrationLatencyMs: field.contextIntegrationLatency(),
    integrationStatus: field.contextIntegrationStatus(),
    integrationError: field.contextIntegrationErrorMessage(),
    errorType: field.contextErrorResponseType(),
    error: field.contextErrorMessage(),
    sourceIp: field.contextIdentitySourceIp(),
    userAgent: field.contextIdentityUserAgent(),
    responseLength: field.contextResponseLength(),
  }),
);

/**
 * The REST API, generated from the route table: every route a Cognito-authorized
 * AWS_PROXY method on its area's function (the route table's public routes without an
 * authorizer: their handler checks a signed token), CORS preflight for the environment's origins,
 * gateway errors that carry CORS headers, stage throttling and JSON access logs
 * (ACCESS_LOG_FORMAT).
 */
export class RestApi extends Construct {
  readonly api: apigw.RestApi;
  readonly authorizer: apigw.CognitoUserPoolsAuthorizer;

  constructor(scope: Construct, id: string, props: RestApiProps) {
    super(scope, id);
    const { config } = props;
    const accessLogs = new logs.LogGroup(this, "AccessLogs", {
      retention: config.logRetention,
      removalPolicy: removalPolicyOf(config),
    });
    const methods = [...new Set(ROUTES.map((route) => route.method))];

    this.api = new apigw.RestApi(this, "Api", {
      restApiName: `hearth-${config.name}`,
      description: `Hearth ${config.name} API`,
      endpointTypes: [apigw.EndpointType.REGIONAL],
      // Execution logging needs the account-level CloudWatch role (AWS::ApiGateway::Account,
      // one per account and region): only the environment that owns it creates it, and it is
      // kept on stack deletion so the other environments' stages keep logging.
      ...(config.apiGatewayAccountSettings === "create"
        ? { cloudWatchRole: true, cloudWatchRoleRemovalPolicy: RemovalPolicy.RETAIN }
        : { cloudWatchRole: false }),
      deployOptions: {
        stageName: config.name,
        throttlingRateLimit: config.apiThrottling.rateLimit,
        throttlingBurstLimit: config.apiThrottling.burstLimit,
        accessLogDestination: new apigw.LogGroupLogDestination(accessLogs),
        accessLogFormat: ACCESS_LOG_FORMAT,
        loggingLevel: apigw.MethodLoggingLevel.ERROR,
        dataTraceEnabled: false,
        metricsEnabled: true,
        tracingEnabled: true,
      },
      defaultCorsPreflightOptions: {
        allowOrigins: config.allowedOrigins,
        allowMethods: [...methods, "OPTIONS"],
        allowHeaders: [...CORS_ALLOWED_HEADERS],
        maxAge: Duration.seconds(CORS_MAX_AGE_SECONDS),
      },
    });

    // The stack publishes the URL under the shared output key `ApiUrl`; drop RestApi's own output.
    this.api.node.tryRemoveChild("Endpoint");
    this.addCorsToGatewayErrors(config.allowedOrigins);

    this.authorizer = new apigw.CognitoUserPoolsAuthorizer(this, "Authorizer", {
      cognitoUserPools: [props.userPool],
      identitySource: apigw.IdentitySource.header("Authorization"),
      // A revoked token is refused by the functions within a minute; the gateway's cache of a
      // token's claims lives no longer than that either.
      resultsCacheTtl: Duration.seconds(60),
    });
    const validator = this.api.addRequestValidator("RequestParameters", {
      validateRequestParameters: true,
      validateRequestBody: false,
    });
    const integrations = Object.fromEntries(
      Object.entries(props.handlers).map(([area, handler]) => [
        area,
        new apigw.LambdaIntegration(handler, { proxy: true, allowTestInvoke: false }),
      ]),
    ) as Record<ApiArea, apigw.LambdaIntegration>;

    for (const route of ROUTES) {
      const isPublic = isPublicRoute(route);
      const requestParameters = Object.fromEntries([
        ...(isPublic ? [] : [["method.request.header.Authorization", true]]),
        ...pathParameters(route.resource).map((name) => [`method.request.path.${name}`, true]),
      ]);
      const method = this.api.root.resourceForPath(route.resource).addMethod(
        route.method,
        integrations[route.area],
        isPublic
          ? {
              authorizationType: apigw.AuthorizationType.NONE,
              requestValidator: validator,
              requestParameters,
            }
          : {
              authorizationType: apigw.AuthorizationType.COGNITO,
              authorizer: this.authorizer,
              requestValidator: validator,
              requestParameters,
            },
      );
      if (isPublic) {
        const reason =
          "Public by design: an email's one-click unsubscribe link (RFC 8058) is called by mail clients without any sign-in; the handler checks the link's HMAC-signed token (user, kind, expiry) and refuses anything else with a 400.";
        acknowledgeNag(method, [
          { id: "AwsSolutions-APIG4", reason },
          { id: "AwsSolutions-COG4", reason },
        ]);
      }
    }

    for (const preflight of this.api.methods.filter((method) => method.httpMethod === "OPTIONS")) {
      acknowledgeNag(preflight, [
        { id: "AwsSolutions-APIG4", reason: "CORS preflight: browsers send OPTIONS without credentials." },
        { id: "AwsSolutions-COG4", reason: "CORS preflight: browsers send OPTIONS without credentials." },
      ]);
    }
    acknowledgeNag(this.api, [
      {
        id: "AwsSolutions-APIG2",
        reason:
          "The gateway validates the token header and path parameters; JSON bodies are validated by each handler's schema so errors keep the API's error shape.",
      },
      ...(config.waf.enabled
        ? []
        : [
            {
              id: "AwsSolutions-APIG3",
              reason:
                "WAF is off in this environment's config (on by default in prod): every route needs a Cognito token, and stage throttling bounds abuse.",
            },
          ]),
      {
        id: "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]",
        reason:
          "API Gateway's account-level logging role uses the AWS-managed push-to-CloudWatch policy by design.",
      },
    ]);
  }

  private addCorsToGatewayErrors(allowedOrigins: string[]): void {
    // A gateway response cannot check an origin against a list: one allowed origin is set
    // literally; with several the caller's origin is echoed (these bodies carry no data).
    const allowOrigin =
      allowedOrigins.length === 1 ? `'${allowedOrigins[0]}'` : "method.request.header.Origin";
    const responseHeaders = { "Access-Control-Allow-Origin": allowOrigin, Vary: "'Origin'" };
    for (const [id, type] of [
      ["Default4xx", apigw.ResponseType.DEFAULT_4XX],
      ["Default5xx", apigw.ResponseType.DEFAULT_5XX],
    ] as const) {
      this.api.addGatewayResponse(id, {
        type,
        responseHeaders,
        templates: { "application/json": ERROR_TEMPLATE },
      });
    }
  }

  /** The API's 5xx rate and p99 latency, over a sustained window (not a single cold start). */
  addAlarms(alarms: Alarms, period = Duration.minutes(5)): void {
    const api = this.api;
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
  }
}
