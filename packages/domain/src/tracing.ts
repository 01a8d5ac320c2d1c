/**
 * The part of Powertools Tracer the function wrappers use, described structurally so the
 * domain imports no tracing code and tests can record traces with a plain object. A real
 * `Tracer` fits it; with tracing disabled (`POWERTOOLS_TRACE_ENABLED=false`, or outside
 * Lambda) every call is a no-op.
 */
export interface TraceSegment {
  addNewSubsegment(name: string): TraceSegment;
  addError(error: Error): void;
  close(): void;
}

export interface InvocationTracer {
  isTracingEnabled(): boolean;
  getSegment(): TraceSegment | undefined;
  setSegment(segment: TraceSegment): void;
  annotateColdStart(): void;
  addServiceNameAnnotation(): void;
  putAnnotation(key: string, value: string | number | boolean): void;
}

/**
 * Runs one invocation inside its own subsegment (`## name`) of the segment Lambda opened,
 * annotated with the cold start, the service and `annotations` (searchable in X-Ray), and
 * closes it however the invocation ends; an error thrown by `run` is recorded on it.
 */
export async function traceInvocation<T>(
  tracer: InvocationTracer,
  name: string,
  annotations: Record<string, string | number | boolean>,
  run: (annotate: (key: string, value: string | number | boolean) => void) => Promise<T>,
): Promise<T> {
  if (!tracer.isTracingEnabled()) return run(() => {});
  const parent = tracer.getSegment();
  const subsegment = parent?.addNewSubsegment(`## ${name}`);
  if (subsegment) tracer.setSegment(subsegment);
  try {
    tracer.annotateColdStart();
    tracer.addServiceNameAnnotation();
    for (const [key, value] of Object.entries(annotations)) tracer.putAnnotation(key, value);
    return await run((key, value) => tracer.putAnnotation(key, value));
  } catch (error) {
    subsegment?.addError(error as Error);
    throw error;
  } finally {
    subsegment?.close();
    if (parent) tracer.setSegment(parent);
  }
}
