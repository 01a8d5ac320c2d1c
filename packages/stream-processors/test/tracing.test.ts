import { recordingTracer } from "@hearth/domain/testing";
import { describe, expect, it, onTestFinished } from "vitest";
import { createProcessorTracer } from "../src/runtime.js";
import { commentBy, membersWithProfiles, useHarness } from "./helpers.js";

const harness = useHarness("tracing");

describe("tracing of the stream processors", () => {
  it("runs each batch in a subsegment named after the processor, annotated with its failures", async () => {
    const h = harness();
    const { tracer, opened, annotations, isBackOnFacade } = recordingTracer();
    const realTracer = h.deps.tracer;
    h.deps.tracer = tracer;
    onTestFinished(() => {
      h.deps.tracer = realTracer;
    });
    const [writer] = await membersWithProfiles(h, "writer");
    await h.tap.skip("Comments");
    await h.db.repositories.comments.create(commentBy(writer, "/t/a"));
    const records = await h.tap.take("Comments");

    const response = await h.process("activity", records);

    expect(response.batchItemFailures).toEqual([]);
    expect(opened).toEqual([{ name: "## activity", closed: true, errors: [] }]);
    expect(annotations).toEqual({ processor: "activity", failedRecords: 0 });
    expect(isBackOnFacade()).toBe(true);
  });

  it("is off outside Lambda: the tracer the processors build from the environment records nothing", () => {
    expect(createProcessorTracer().isTracingEnabled()).toBe(false);
  });
});
