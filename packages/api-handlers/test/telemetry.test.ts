import { Metrics } from "@aws-lambda-powertools/metrics";
import { recordingTracer } from "@hearth/domain/testing";
import { afterEach, describe, expect, it, vi } from "vitest";
import { type CompletedRequest, powertoolsApiMetrics } from "../src/telemetry.js";
import { GENEROUS_RATE_LIMITS, invoker, testDependencies, users, useTestApi } from "./helpers.js";

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
    expect(completed).toEqual([
      {
        route: "GET /messages/unread",
        outcome: "success",
        statusCode: 200,
        writes: undefined,
        replayed: false,
      },
    ]);
  });

  it("says what a write route wrote, and which limit refused it", async () => {
    const { metrics, completed } = recordingMetrics();
    const deps = testDependencies(api().db, {
      metrics,
      rateLimits: { ...GENEROUS_RATE_LIMITS, comments: { limit: 1, windowSeconds: 3600 } },
    });
    const call = invoker(deps);
    const caller = { ...users.bob, userId: "user-telemetry-writer" };
    const post = () =>
      call("POST", "/comments/{itemId}", {
        caller,
        pathParameters: { itemId: "/2015/christmas" },
        body: { commentText: "Counted" },
      });

    const [posted, limited] = [await post(), await post()];

    expect([posted.status, limited.status]).toEqual([201, 429]);
    expect(completed).toEqual([
      {
        route: "POST /comments/{itemId}",
        outcome: "success",
        statusCode: 201,
        writes: "comments",
        replayed: false,
      },
      {
        route: "POST /comments/{itemId}",
        outcome: "refused",
        statusCode: 429,
        errorCode: "RATE_LIMITED",
        writes: "comments",
      },
    ]);
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
        writes: "uploads",
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

  it("emits Requests by route and outcome, Refusals by code, RateLimited by kind, Faults, and new writes", () => {
    const lines: string[] = [];
    vi.spyOn(process.stdout, "write").mockImplementation((chunk) => {
      lines.push(String(chunk));
      return true;
    });
    const metrics = powertoolsApiMetrics(
      new Metrics({ namespace: "hearth-test", serviceName: "hearth-api" }),
    );
    const route = "POST /comments/{itemId}";

    metrics.requestCompleted({ route, outcome: "success", statusCode: 201, writes: "comments" });
    // A retry answered from the stored response wrote nothing new.
    metrics.requestCompleted({
      route,
      outcome: "success",
      statusCode: 201,
      writes: "comments",
      replayed: true,
    });
    metrics.requestCompleted({
      route,
      outcome: "refused",
      statusCode: 429,
      errorCode: "RATE_LIMITED",
      writes: "comments",
    });
    metrics.requestCompleted({ route, outcome: "fault", statusCode: 500, errorCode: "INTERNAL_ERROR" });

    type Emf = {
      CloudWatchMetrics: { Namespace: string; Metrics: { Name: string }[]; Dimensions: string[][] }[];
    };
    const emitted = lines
      .flatMap((line) => line.split("\n"))
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Record<string, unknown> & { _aws: Emf });
    const summary = emitted.map((entry) => {
      const [metric] = entry._aws.CloudWatchMetrics;
      const dimensions = metric!.Dimensions[0]!.filter((d) => d !== "service").sort();
      return {
        namespace: metric!.Namespace,
        name: metric!.Metrics[0]!.Name,
        dimensions: Object.fromEntries(dimensions.map((d) => [d, entry[d]])),
      };
    });
    const inTest = (name: string, dimensions: Record<string, unknown> = {}) => ({
      namespace: "hearth-test",
      name,
      dimensions,
    });
    expect(summary).toEqual([
      inTest("Requests", { outcome: "success", route }),
      inTest("CommentsWritten"),
      inTest("Requests", { outcome: "success", route }),
      inTest("Requests", { outcome: "refused", route }),
      inTest("Refusals", { errorCode: "RATE_LIMITED" }),
      inTest("RateLimited", { kind: "comments" }),
      inTest("Requests", { outcome: "fault", route }),
      inTest("Faults"),
    ]);
  });
});
