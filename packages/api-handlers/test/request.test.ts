import fc from "fast-check";
import { describe, expect, it } from "vitest";
import * as z from "zod";
import { HttpError } from "../src/http/errors.js";
import { parseJsonBody } from "../src/http/request.js";

/** A body shape with every kind of rule the route schemas use. */
const schema = z
  .strictObject({
    displayName: z.string().min(1).max(10).optional(),
    kind: z.enum(["direct", "group"]).optional(),
    participantIds: z.array(z.string().min(1).max(8)).max(3).optional(),
    preferences: z.strictObject({ comments: z.boolean() }).optional(),
    labels: z.record(z.string(), z.number()).optional(),
    photoUrl: z.url().optional(),
    size: z.number().int().positive().optional(),
    either: z.union([z.string(), z.number()]).optional(),
  })
  .refine((body) => Object.keys(body).length > 0, { message: "Give at least one field to change" });

/** The 400 message for `body`, which must fail. */
function refusal(body: unknown): string {
  try {
    parseJsonBody(JSON.stringify(body), schema);
  } catch (error) {
    expect(error).toBeInstanceOf(HttpError);
    expect((error as HttpError).statusCode).toBe(400);
    return (error as HttpError).message;
  }
  throw new Error(`expected ${JSON.stringify(body)} to be refused`);
}

const SCRIPT = "<script>alert(1)</script>";

describe("request body validation messages", () => {
  it.each([
    [{ displayName: "Bo", [SCRIPT]: 1 }, "Invalid request body: the body has a field that is not allowed"],
    [
      { kind: "group", [SCRIPT]: 1, "<img src=x onerror=alert(1)>": 2 },
      "Invalid request body: the body has 2 fields that are not allowed",
    ],
    [
      { preferences: { comments: true, [SCRIPT]: true } },
      "Invalid request body: preferences has a field that is not allowed",
    ],
    [{ labels: { [SCRIPT]: SCRIPT } }, "Invalid request body: labels[key] must be a number"],
    [{ kind: SCRIPT }, 'Invalid request body: kind must be one of "direct", "group"'],
    [{ displayName: `${SCRIPT}xxxxxxxx` }, "Invalid request body: displayName must be at most 10 characters"],
    [{ displayName: "" }, "Invalid request body: displayName must not be empty"],
    [{ displayName: 42 }, "Invalid request body: displayName must be a string"],
    [
      { participantIds: ["a", SCRIPT] },
      "Invalid request body: participantIds[1] must be at most 8 characters",
    ],
    [
      { participantIds: ["a", "b", "c", "d"] },
      "Invalid request body: participantIds must be at most 3 items",
    ],
    [{ photoUrl: SCRIPT }, "Invalid request body: photoUrl must be a valid url"],
    [{ size: 1.5 }, "Invalid request body: size must be an integer"],
    [{ size: -1 }, "Invalid request body: size must be more than 0"],
    [{ either: { [SCRIPT]: 1 } }, "Invalid request body: either does not match any allowed form"],
    [{}, "Invalid request body: Give at least one field to change"],
  ])("names the field and the rule for %j, and echoes nothing of it", (body, message) => {
    expect(refusal(body)).toBe(message);
  });

  it("never repeats a key or value the client sent, whatever the body", () => {
    // Every generated key and string carries a marker that appears in no field name or rule.
    const marked = fc.string({ maxLength: 12 }).map((text) => `~${text}`);
    const hostileValue = fc.oneof(marked, fc.integer(), fc.boolean(), fc.array(marked, { maxLength: 4 }));
    const body = fc.record(
      {
        displayName: hostileValue,
        kind: hostileValue,
        participantIds: fc.oneof(hostileValue, fc.array(hostileValue, { maxLength: 5 })),
        preferences: fc.dictionary(fc.oneof(marked, fc.constant("comments")), hostileValue, { maxKeys: 3 }),
        labels: fc.dictionary(marked, hostileValue, { maxKeys: 3 }),
        photoUrl: hostileValue,
        extra: fc.dictionary(marked, hostileValue, { minKeys: 1, maxKeys: 3 }),
      },
      { requiredKeys: ["extra"] },
    );
    fc.assert(
      fc.property(body, ({ extra, ...fields }) => {
        const message = refusal({ ...fields, ...extra });
        expect(message).not.toContain("~");
        expect(message).not.toMatch(/[<>]/);
      }),
      { seed: 9, numRuns: 300 },
    );
  });
});
