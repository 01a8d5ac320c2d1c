import { API_AREAS } from "@hearth/api-handlers";
import { TABLE_SPECS } from "@hearth/domain";
import { PROCESSOR_NAMES } from "@hearth/stream-processors";
import { describe, expect, it } from "vitest";
import { ENVIRONMENT_NAMES, fixtureConfig } from "../src/config.js";
import { FAILED_RECORDS_METRICS_ID } from "../src/constructs/stream-processors.js";
import { alarmsOf, failedRecordsId, resourcesOf, synthesize } from "./helpers.js";

describe.each(ENVIRONMENT_NAMES)("the %s environment", (envName) => {
  const config = fixtureConfig(envName);
  const env = synthesize(envName);

  describe("alarms", () => {
    const alarms = alarmsOf(env);
    const topics = Object.keys(resourcesOf(env.main, "AWS::SNS::Topic"));
    const destinations = [{ Ref: topics[0] }, ...(config.alarmTopicArn ? [config.alarmTopicArn] : [])];
    const alarmOn = (metricName: string, dimension: unknown) =>
      alarms.filter(
        (a) =>
          a.MetricName === metricName && JSON.stringify(a.Dimensions).includes(JSON.stringify(dimension)),
      );
    /** Alarms on a metric math expression that uses `metricName` (with `dimension`, if given). */
    const alarmOnExpression = (metricName: string, dimension?: unknown) =>
      alarms.filter((a) =>
        (
          (a.Metrics as { MetricStat?: { Metric: { MetricName: string; Dimensions: unknown } } }[]) ?? []
        ).some(
          (m) =>
            m.MetricStat?.Metric.MetricName === metricName &&
            (dimension === undefined ||
              JSON.stringify(m.MetricStat.Metric.Dimensions).includes(JSON.stringify(dimension))),
        ),
      );

    it("sends every alarm to the environment's topic and the configured topic", () => {
      expect(topics).toHaveLength(1);
      expect(alarms.length).toBeGreaterThan(0);
      // The App stack's alarms reference the topic; the Events stack's read it from the App stack.
      const fromAppStack = {
        "Fn::GetStackOutput": expect.objectContaining({ StackName: `Hearth-${envName}-App` }),
      };
      for (const alarm of alarms) {
        expect([destinations, [fromAppStack, ...destinations.slice(1)]]).toContainEqual(alarm.AlarmActions);
      }
    });

    it("subscribes the configured alarm email to the topic", () => {
      expect(config.alarmEmail).toBeDefined();
      env.main.hasResourceProperties("AWS::SNS::Subscription", {
        Protocol: "email",
        Endpoint: config.alarmEmail,
        TopicArn: { Ref: topics[0] },
      });
    });

    it.each([...API_AREAS, ...PROCESSOR_NAMES])("alarms on errors and throttles of %s", (fn) => {
      const dimension = { Ref: env.functionLogicalIds[fn] };
      expect(alarmOn("Errors", dimension)).toHaveLength(1);
      expect(alarmOn("Throttles", dimension)).toHaveLength(1);
    });

    it.each(PROCESSOR_NAMES)("alarms when records wait 5 minutes for %s", (name) => {
      const [alarm, ...others] = alarmOn("IteratorAge", { Ref: env.functionLogicalIds[name] });
      expect(others).toEqual([]);
      expect(alarm).toMatchObject({ Statistic: "Maximum", Threshold: 300_000 });
    });

    it("alarms on the first failed stream record written to the bucket", () => {
      const [alarm, ...others] = alarmOn("PutRequests", { Ref: failedRecordsId(env) });
      expect(others).toEqual([]);
      expect(alarm).toMatchObject({ Namespace: "AWS/S3", Statistic: "Sum", Threshold: 1 });
      expect(JSON.stringify(alarm!.Dimensions)).toContain(FAILED_RECORDS_METRICS_ID);
    });

    it("alarms on the API's 5xx rate (5% of requests) and p99 latency (2 s for 15 minutes)", () => {
      const [rate, ...otherRates] = alarmOnExpression("5XXError");
      expect(otherRates).toEqual([]);
      expect(rate).toMatchObject({ Threshold: 5, ComparisonOperator: "GreaterThanOrEqualToThreshold" });
      expect(JSON.stringify(rate!.Metrics)).toContain('"MetricName":"Count"');
      const latency = alarms.filter((a) => a.MetricName === "Latency" && a.Namespace === "AWS/ApiGateway");
      expect(latency).toEqual([
        expect.objectContaining({ ExtendedStatistic: "p99", Threshold: 2000, EvaluationPeriods: 3 }),
      ]);
    });

    it.each(TABLE_SPECS.map((spec) => spec.name))("alarms on throttled requests to %s", (table) => {
      const alarmsOfTable = alarmOnExpression("ReadThrottleEvents").filter((a) =>
        String(a.AlarmDescription).endsWith(` ${table}`),
      );
      expect(alarmsOfTable).toHaveLength(1);
      const metrics = JSON.stringify(alarmsOfTable[0]!.Metrics);
      expect(metrics).toContain('"MetricName":"WriteThrottleEvents"');
      expect(metrics).toContain('"Name":"TableName"');
    });

    it("alarms on SES bounce (5%) and complaint (0.1%) rates, before SES pauses sending", () => {
      const ses = (metricName: string) =>
        alarms.filter((a) => a.Namespace === "AWS/SES" && a.MetricName === metricName);
      expect(ses("Reputation.BounceRate")).toEqual([expect.objectContaining({ Threshold: 0.05 })]);
      expect(ses("Reputation.ComplaintRate")).toEqual([expect.objectContaining({ Threshold: 0.001 })]);
    });

    it("shows every alarm on the environment's two dashboards (API, events)", () => {
      const dashboards = Object.values(resourcesOf(env.main, "AWS::CloudWatch::Dashboard"));
      expect(dashboards.map((d) => d.Properties.DashboardName).sort()).toEqual([
        `hearth-${envName}`,
        `hearth-${envName}-events`,
      ]);
      const body = JSON.stringify(dashboards.map((d) => d.Properties.DashboardBody));
      const alarmIds = Object.keys(resourcesOf(env.main, "AWS::CloudWatch::Alarm"));
      for (const id of alarmIds) expect(body).toContain(`"${id}"`);
    });
  });
});
