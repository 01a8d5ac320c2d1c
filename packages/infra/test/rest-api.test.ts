import { ROUTES } from "@hearth/api-handlers";
import { Match } from "aws-cdk-lib/assertions";
import { describe, expect, it } from "vitest";
import { ENVIRONMENT_NAMES, fixtureConfig } from "../src/config.js";
import { resourcesOf, type SynthesizedEnvironment, synthesize } from "./helpers.js";

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
});
