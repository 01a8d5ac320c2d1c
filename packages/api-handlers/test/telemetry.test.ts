import { Metrics } from "@aws-lambda-powertools/metrics";
import { recordingTracer } from "@hearth/domain/testing";
import { afterEach, describe, expect, it, vi } from "vitest";
import { type CompletedRequest, powertoolsApiMetrics } from "../src/telemetry.js";
import { invoker, testDependencies, users, useTestApi } from "./helpers.js";

const api = useTestApi("telemetry");

function recordingMetrics() {
  const completed: CompletedRequest[] = [];
  return { metrics: { requestCompleted: (request: CompletedRequest) => completed.push(request) }, completed };
}

describe("tracing and metrics of API requests", () => {
  it("runs a request in a subsegment named after its route and counts it as a success", async () => {
    const { tracer, opened, annotations, isBackOnFacade } = recordingTracer();
    const { metrics, completed } = recordingMetrics();
    const call = invoker(testDependencies(api().db, { tracer, metrics }));

    const response = await call("GET", "/messages/unread", { caller: users.alice });

    expect(response.status).toBe(200);
    expect(opened).toEqual([{ name: "## GET /messages/unread", closed: true, errors: [] }]);
    expect(annotations).toEqual({ route: "GET /messages/unread", statusCode: 200 });
    expect(isBackOnFacade()).toBe(true);
    expect(completed).toEqual([{ route: "GET /messages/unread", outcome: "success", statusCode: 200 }]);
  });

  it("counts a refusal with its error code, and a fault (5xx) as ours", async () => {
    const { metrics, completed } = recordingMetrics();
    const { tracer, opened } = recordingTracer();
    const broken = testDependencies(api().db, { tracer, metrics });
    broken.repositories = {
      ...broken.repositories,
      conversations: new Proxy(broken.repositories.conversations, {
        get: () => () => Promise.reject(new Error("DynamoDB fell over")),
      }),
    };
    const call = invoker(broken);

    const refused = await call("POST", "/messages/upload", {
      caller: users.alice,
      body: { filename: "a.exe", contentType: "application/x-msdownload", size: 1 },
    });
    const failed = await call("GET", "/messages/unread", { caller: users.alice });

    expect([refused.status, failed.status]).toEqual([400, 500]);
    expect(completed).toEqual([
      {
        route: "POST /messages/upload",
        outcome: "refused",
        statusCode: 400,
        errorCode: refused.body.error.code,
      },
      { route: "GET /messages/unread", outcome: "fault", statusCode: 500, errorCode: "INTERNAL_ERROR" },
    ]);
    // Every subsegment is closed, however the request ended.
    expect(opened.every((subsegment) => subsegment.closed)).toBe(true);
  });
});

describe("the API's CloudWatch metrics (EMF)", () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it("emits Requests by route and outcome, Refusals by code, and Faults without a route", () => {
    const lines: string[] = [];
    vi.spyOn(process.stdout, "write").mockImplementation((chunk) => {
      lines.push(String(chunk));
      return true;
    });
    const metrics = powertoolsApiMetrics(
      new Metrics({ namespace: "hearth-test", serviceName: "hearth-api" }),
    );

    metrics.requestCompleted({ route: "GET /profile", outcome: "success", statusCode: 200 });
    metrics.requestCompleted({
      route: "GET /profile",
      outcome: "fault",
      statusCode: 500,
      errorCode: "INTERNAL_ERROR",
    });

    const emitted = lines
      .flatMap((line) => line.split("\n"))
      .filter(Boolean)
      .map((line) => JSON.parse(line));
    const metricOf = (entry: Record<string, unknown>) =>
      (entry._aws as { CloudWatchMetrics: { Metrics: { Name: string }[]; Dimensions: string[][] }[] })
        .CloudWatchMetrics[0]!;
    const summary = emitted.map((entry) => ({
      name: metricOf(entry).Metrics[0]!.Name,
      dimensions: metricOf(entry)
        .Dimensions[0]!.filter((d) => d !== "service")
        .sort(),
      route: entry.route,
      outcome: entry.outcome,
      errorCode: entry.errorCode,
    }));
    expect(summary).toEqual([
      {
        name: "Requests",
        dimensions: ["outcome", "route"],
        route: "GET /profile",
        outcome: "success",
        errorCode: undefined,
      },
      {
        name: "Requests",
        dimensions: ["outcome", "route"],
        route: "GET /profile",
        outcome: "fault",
        errorCode: undefined,
      },
      {
        name: "Refusals",
        dimensions: ["errorCode"],
        route: undefined,
        outcome: undefined,
        errorCode: "INTERNAL_ERROR",
      },
      { name: "Faults", dimensions: [], route: undefined, outcome: undefined, errorCode: undefined },
    ]);
  });
});
