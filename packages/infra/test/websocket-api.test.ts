import { API_AREAS, REALTIME_REPLYING_ROUTES, REALTIME_ROUTE_KEYS } from "@hearth/api-handlers";
import { PROCESSOR_NAMES, WEBSOCKET_MANAGEMENT_ENDPOINT_ENV } from "@hearth/stream-processors";
import { describe, expect, it } from "vitest";
import { ENVIRONMENT_NAMES, fixtureConfig } from "../src/config.js";
import { TABLE_ACTIONS } from "../src/grants.js";
import {
  asArray,
  describeResource,
  type FunctionName,
  functionStatements,
  REALTIME_FUNCTION_NAMES,
  REALTIME_ROUTES_TABLE_ACCESS,
  type Resources,
  resourcesOf,
  synthesize,
  variablesOf,
  WEBSOCKET_PUSHERS,
} from "./helpers.js";

describe.each(ENVIRONMENT_NAMES)("the %s environment", (envName) => {
  const config = fixtureConfig(envName);
  const env = synthesize(envName);

  describe("WebSocket API", () => {
    const resources = env.main.toJSON().Resources as Resources;
    const [apiId, api] = Object.entries(resourcesOf(env.main, "AWS::ApiGatewayV2::Api"))[0] ?? [];
    const routes = Object.values(resourcesOf(env.main, "AWS::ApiGatewayV2::Route"));
    const routeByKey = (key: string) => routes.find((r) => r.Properties.RouteKey === key)!;
    const invokes = (uri: unknown, fn: FunctionName) =>
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
      const variables = variablesOf(env, "realtime-authorizer");
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
        const variables = variablesOf(env, fn);
        const endpoint = JSON.stringify(variables[WEBSOCKET_MANAGEMENT_ENDPOINT_ENV]);
        expect(endpoint).toContain("https://");
        expect(endpoint).toContain(`{"Ref":"${apiId}"}`);
      }
    });

    it("lets the routes function keep the Connections table and touch nothing else; the authorizer read the revocation list only", () => {
      const tablesTouched = (fn: FunctionName) =>
        functionStatements(env, fn)
          .filter((statement) => asArray(statement.Action).every((action) => action.startsWith("dynamodb:")))
          .flatMap((statement) => asArray(statement.Resource).map((r) => describeResource(env, r)));
      expect(REALTIME_ROUTES_TABLE_ACCESS).toEqual({ Connections: "readWrite" });
      expect(tablesTouched("realtime-routes")).toEqual(["table:Connections"]);
      const routesGrant = functionStatements(env, "realtime-routes").find((statement) =>
        asArray(statement.Resource).some((r) => describeResource(env, r) === "table:Connections"),
      );
      expect(asArray(routesGrant!.Action).sort()).toEqual([...TABLE_ACTIONS.readWrite].sort());
      expect(tablesTouched("realtime-authorizer")).toEqual(["table:Revocations"]);
      // Nothing but the routes function, the fanout and an account deletion (which closes and
      // removes the member's connections) ever sees the connections.
      for (const fn of [...API_AREAS, ...PROCESSOR_NAMES].filter(
        (f) => f !== "realtime" && f !== "deletions",
      )) {
        expect(tablesTouched(fn), fn).not.toContain("table:Connections");
      }
    });
  });
});
