import type { InvocationTracer, TraceSegment } from "../tracing.js";

/** An enabled tracer that records the subsegments it opens, their annotations and errors. */
export function recordingTracer() {
  const opened: { name: string; closed: boolean; errors: Error[] }[] = [];
  const annotations: Record<string, unknown> = {};
  const segment = (name: string, recorded: boolean): TraceSegment => {
    const record = { name, closed: false, errors: [] as Error[] };
    if (recorded) opened.push(record);
    return {
      addNewSubsegment: (child) => segment(child, true),
      addError: (error) => record.errors.push(error),
      close: () => {
        record.closed = true;
      },
    };
  };
  // The segment Lambda opens for the invocation.
  const facade = segment("facade", false);
  let current: TraceSegment = facade;
  const tracer: InvocationTracer = {
    isTracingEnabled: () => true,
    getSegment: () => current,
    setSegment: (next) => {
      current = next;
    },
    annotateColdStart: () => {},
    addServiceNameAnnotation: () => {},
    putAnnotation: (key, value) => {
      annotations[key] = value;
    },
  };
  return { tracer, opened, annotations, isBackOnFacade: () => current === facade };
}
