import { API_AREAS, API_FUNCTION_TIMEOUT_SECONDS } from "@hearth/api-handlers";
import { PROCESSOR_NAMES, processorTimeoutSeconds } from "@hearth/stream-processors";
import { describe, expect, it } from "vitest";
import { ENVIRONMENT_NAMES, fixtureConfig } from "../src/config.js";
import {
  asArray,
  type FunctionName,
  functionStatements,
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

    it("runs every function of the app stack on nodejs22.x, ARM64, with their own log group", () => {
      // The API areas, the stream processors, the realtime functions, the SES event handler and
      // the notification digests.
      expect(functions).toHaveLength(
        API_AREAS.length + PROCESSOR_NAMES.length + REALTIME_FUNCTION_NAMES.length + 2,
      );
      for (const fn of functions) {
        expect(fn.Properties).toMatchObject({
          Runtime: "nodejs22.x",
          Architectures: ["arm64"],
          Handler: "index.handler",
        });
        expect(fn.Properties.LoggingConfig).toEqual({ LogGroup: { Ref: expect.any(String) } });
      }
      env.main.hasResourceProperties("AWS::Logs::LogGroup", { RetentionInDays: config.logRetention });
    });

    it("configures each function's timeout once and tells the function, for its SDK clients", () => {
      const resources = env.main.toJSON().Resources as Resources;
      const expected: [FunctionName, number][] = [
        ...API_AREAS.map((area) => [area, API_FUNCTION_TIMEOUT_SECONDS] as [typeof area, number]),
        ...PROCESSOR_NAMES.map((name) => [name, processorTimeoutSeconds(name)] as [typeof name, number]),
      ];
      for (const [name, seconds] of expected) {
        expect(resources[env.functionLogicalIds[name]]!.Properties.Timeout, name).toBe(seconds);
        expect(variablesOf(env, name).FUNCTION_TIMEOUT_SECONDS, name).toBe(String(seconds));
      }
    });
  });

  describe("IAM", () => {
    it("uses a wildcard resource only for actions without resource-level permissions (ListStreams, X-Ray)", () => {
      for (const fn of [...API_AREAS, ...PROCESSOR_NAMES]) {
        for (const statement of functionStatements(env, fn)) {
          expect(asArray(statement.Action).every((a) => !a.includes("*"))).toBe(true);
          if (asArray(statement.Resource).includes("*")) {
            expect(asArray(statement.Action)).toEqual(
              expect.arrayContaining([expect.stringMatching(/^(dynamodb:ListStreams|xray:PutT\w+)$/)]),
            );
            for (const action of asArray(statement.Action))
              expect(action).toMatch(
                /^(dynamodb:ListStreams|xray:PutTraceSegments|xray:PutTelemetryRecords)$/,
              );
          }
        }
      }
    });

    it("traces every function with X-Ray", () => {
      for (const fn of [...API_AREAS, ...PROCESSOR_NAMES]) {
        const properties = (env.main.toJSON().Resources as Resources)[env.functionLogicalIds[fn]]!.Properties;
        expect(properties.TracingConfig).toEqual({ Mode: "Active" });
        expect(functionStatements(env, fn).flatMap((s) => asArray(s.Action))).toEqual(
          expect.arrayContaining(["xray:PutTraceSegments", "xray:PutTelemetryRecords"]),
        );
      }
    });
  });
});
