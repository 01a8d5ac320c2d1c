import { randomBytes } from "node:crypto";
import { Logger } from "@aws-lambda-powertools/logger";
import type { LogLevel } from "@aws-lambda-powertools/logger/types";
import { Metrics } from "@aws-lambda-powertools/metrics";
import { Tracer } from "@aws-lambda-powertools/tracer";
import {
  ConfigurationError,
  CursorCodec,
  createDocumentClient,
  dynamoConfigFromEnv,
  type FunctionManifest,
  type InvocationTracer,
  type RepositoryContext,
  type TableName,
  type TableNames,
  tableNamesFromEnv,
} from "@hearth/domain";
import { RECORD_RETRY } from "./stream-subscriptions.js";

/*
 * The parts every function of this package builds on, whatever else it uses: no idempotency
 * store, no SES, no S3 (this module imports none of them, so a bundle that needs none carries
 * none). Each function's builder adds the other parts it names.
 */

/**
 * What the processors count, published as CloudWatch metrics (EMF) once per batch: the
 * shape of Powertools Metrics that they use, so tests can record instead.
 */
export interface ProcessorMetrics {
  addMetric(name: string, unit: "Count", value: number): void;
  publishStoredMetrics(): void;
}

/** The namespace is per environment (`POWERTOOLS_METRICS_NAMESPACE`, set by the stacks). */
export function processorMetricsFromEnv(env: NodeJS.ProcessEnv): ProcessorMetrics {
  const namespace = env.POWERTOOLS_METRICS_NAMESPACE?.trim();
  // Without a namespace (local stack, tests) nothing is emitted: EMF lines would only be noise.
  if (!namespace) return { addMetric: () => {}, publishStoredMetrics: () => {} };
  const metrics = new Metrics({ namespace, serviceName: "hearth-stream-processors" });
  return {
    addMetric: (name, unit, value) => metrics.addMetric(name, unit, value),
    publishStoredMetrics: () => metrics.publishStoredMetrics(),
  };
}

/**
 * The processors' tracer (one per container): active in Lambda (the stacks turn on X-Ray
 * active tracing), a no-op outside it or with `POWERTOOLS_TRACE_ENABLED=false`.
 */
let processorTracer: Tracer | undefined;
export function createProcessorTracer(): Tracer {
  processorTracer ??= new Tracer({ serviceName: "hearth-stream-processors" });
  return processorTracer;
}

/** The core of every processor: table names, logger, metrics, tracer and clock. */
export interface CoreProcessorDependencies {
  /** Physical table names, to tell which table a stream record came from. */
  tables: TableNames;
  logger: Logger;
  metrics: ProcessorMetrics;
  /** X-Ray: each batch runs in a subsegment named after the processor; SDK calls are captured. */
  tracer: InvocationTracer;
  clock: () => Date;
  /**
   * How long an invocation that failed records waits before it answers, so Lambda's immediate
   * retry comes that much later (`RECORD_RETRY.pauseSeconds`; tests that fail records on
   * purpose set 0).
   */
  retryPauseMs: number;
}

/**
 * The core from the function environment. `manifest` is the function's own: each table it
 * declares is read once here, so a missing table variable fails at startup, naming it.
 */
export function coreProcessorDependenciesFromEnv(
  env: NodeJS.ProcessEnv,
  manifest: Pick<FunctionManifest, "tables">,
): CoreProcessorDependencies {
  const tables = tableNamesFromEnv(env);
  for (const table of Object.keys(manifest.tables) as TableName[]) void tables[table];
  return {
    tables,
    logger: new Logger({
      serviceName: "hearth-stream-processors",
      logLevel: (env.LOG_LEVEL?.trim().toUpperCase() || "INFO") as LogLevel,
    }),
    metrics: processorMetricsFromEnv(env),
    tracer: createProcessorTracer(),
    clock: () => new Date(),
    retryPauseMs: RECORD_RETRY.pauseSeconds * 1000,
  };
}

/** What repositories are built on, from the environment (the document client traced). */
export function repositoryContextFromEnv(env: NodeJS.ProcessEnv = process.env): RepositoryContext {
  // The document client shares its middleware with the client below it: both are traced.
  const doc = createProcessorTracer().captureAWSv3Client(createDocumentClient(dynamoConfigFromEnv(env)));
  // The functions of this package never list anything, so no cursor they could sign ever leaves them.
  return { doc, tables: tableNamesFromEnv(env), cursors: new CursorCodec(randomBytes(32).toString("hex")) };
}

/** A setting the function cannot run without: missing or blank fails at startup, naming it. */
export function requiredSetting(env: NodeJS.ProcessEnv, name: string): string {
  const value = env[name]?.trim();
  if (!value) throw new ConfigurationError(`Missing environment variable ${name}`);
  return value;
}
