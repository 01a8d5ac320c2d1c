import { Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import { Tracer } from "@aws-lambda-powertools/tracer";
import type { InvocationTracer, RateLimitKind } from "@hearth/domain";

/** How a request ended: answered, refused with a 4xx (the client's doing), or a 5xx fault (ours). */
type RequestOutcome = "success" | "refused" | "fault";

export interface CompletedRequest {
  /** The route template (`GET /messages/conversations/{conversationId}`), never a concrete path. */
  route: string;
  outcome: RequestOutcome;
  statusCode: number;
  /** The error code of a refusal or fault (`VALIDATION_ERROR`, `RATE_LIMITED`, `INTERNAL_ERROR`, …). */
  errorCode?: string | undefined;
  /** What the route writes, as the route table's rate-limit kind says (`comments`, `messages`, …). */
  writes?: RateLimitKind | undefined;
  /** Answered from a stored response (Idempotency-Key retry): nothing new was written. */
  replayed?: boolean | undefined;
}

/** What the API counts, as CloudWatch metrics (EMF lines in the function's log). */
export interface ApiMetrics {
  requestCompleted(request: CompletedRequest): void;
}

/** The metric a successful write of each kind counts in. */
const WRITE_METRICS: Record<RateLimitKind, string> = {
  comments: "CommentsWritten",
  messages: "MessagesWritten",
  reactions: "ReactionsWritten",
  uploads: "UploadUrlsIssued",
};

/**
 * Per request: `Requests` by route and outcome (what the family does, and where it fails);
 * `Refusals` by error code and `RateLimited` by kind for 4xx; `Faults` for every 5xx, with no
 * dimension, so one alarm watches them all; and `CommentsWritten`, `MessagesWritten`,
 * `ReactionsWritten`, `UploadUrlsIssued` for new writes (a replayed retry is not counted).
 * Dimensions are route templates, error codes and kinds: a bounded set.
 */
export function powertoolsApiMetrics(metrics: Metrics): ApiMetrics {
  const count = (name: string, dimensions: Record<string, string> = {}) => {
    // A single metric is written at once: a handler has no end-of-invocation flush to rely on.
    const single = metrics.singleMetric();
    single.addDimensions(dimensions);
    single.addMetric(name, MetricUnit.Count, 1);
  };
  return {
    requestCompleted({ route, outcome, errorCode, writes, replayed }) {
      count("Requests", { route, outcome });
      if (outcome === "refused" && errorCode) {
        count("Refusals", { errorCode });
        if (errorCode === "RATE_LIMITED" && writes) count("RateLimited", { kind: writes });
      }
      if (outcome === "fault") count("Faults");
      if (outcome === "success" && writes && !replayed) count(WRITE_METRICS[writes]);
    },
  };
}

/** The namespace is per environment (`POWERTOOLS_METRICS_NAMESPACE`, set by the stacks). */
export function apiMetricsFromEnv(env: NodeJS.ProcessEnv = process.env): ApiMetrics {
  const namespace = env.POWERTOOLS_METRICS_NAMESPACE?.trim();
  // Without a namespace (local stack, tests) nothing is emitted: EMF lines would only be noise.
  if (!namespace) return { requestCompleted: () => {} };
  return powertoolsApiMetrics(new Metrics({ namespace, serviceName: "hearth-api" }));
}

/**
 * The API's tracer: active in Lambda (the stacks turn on X-Ray active tracing), a no-op
 * outside it or with `POWERTOOLS_TRACE_ENABLED=false`. The service is the function's
 * `POWERTOOLS_SERVICE_NAME`.
 */
export function createApiTracer(): Tracer & InvocationTracer {
  return new Tracer();
}
