import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { InvalidInputError } from "../src/errors.js";
import { MAX_PLAIN_TEXT_ROUNDS, sanitizeText, toPlainText } from "../src/rules/text.js";
import { encodedMarkup, encodeFully, findMarkup, HOSTILE_MARKUP } from "../src/testing/markup.js";

// A fixed seed keeps runs reproducible; a failure prints the shrunk input and the seed.
const PROPERTY_RUNS = { seed: 9, numRuns: 400 };

/** The error `fn` throws, so its message and issues can be checked. */
function thrownBy(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error("expected an error");
}

describe("plain text reduction reaches a fixed point", () => {
  it("leaves no tag however markup is nested in 1 to 10 layers of mixed entities", () => {
    fc.assert(
      fc.property(encodedMarkup(10), ({ text }) => {
        const plain = toPlainText(text);
        expect(findMarkup(plain)).toBeUndefined();
        // Nothing left to decode or strip: reducing again changes nothing.
        expect(toPlainText(plain)).toBe(plain);
        // Ordinary text before the markup survives it.
        expect(plain.startsWith("Look")).toBe(true);
      }),
      PROPERTY_RUNS,
    );
  });

  it("gives the same text for markup encoded any number of times as for the markup itself", () => {
    const texts = [...HOSTILE_MARKUP, 'Fish & chips, 5 < 6 and "quotes"', "Tom's <b>bold</b> idea"];
    fc.assert(
      fc.property(
        fc.constantFrom(...texts),
        fc.integer({ min: 1, max: 10 }),
        fc.integer({ min: 1, max: 2 ** 31 - 1 }),
        (text, levels, seed) => {
          const original = `Look ${text} here`;
          expect(toPlainText(encodeFully(original, levels, seed))).toBe(toPlainText(original));
        },
      ),
      PROPERTY_RUNS,
    );
  });

  it("decodes the outside run's five-times-encoded script to nothing that runs", () => {
    let encoded = "Hi <script>alert(document.cookie)</script> there";
    for (let i = 0; i < 5; i++) encoded = encoded.replaceAll("&", "&amp;").replaceAll("<", "&lt;");
    expect(encoded).toContain("&amp;amp;amp;amp;lt;script>");
    expect(toPlainText(encoded)).toBe("Hi  there");
  });

  it("does not let a control character removed late join a tag together", () => {
    expect(findMarkup(toPlainText("<\u0000script>alert(1)</script>"))).toBeUndefined();
    expect(findMarkup(toPlainText("&lt;&#1;img src=x onerror=alert(1)&gt;"))).toBeUndefined();
  });

  it(`accepts text that needs ${MAX_PLAIN_TEXT_ROUNDS} rounds and refuses one more`, () => {
    // Each layer of `&amp;` takes one round to decode.
    const nested = (levels: number) => `Fish &${"amp;".repeat(levels)} chips`;
    expect(nested(2)).toBe("Fish &amp;amp; chips");
    expect(toPlainText(nested(MAX_PLAIN_TEXT_ROUNDS))).toBe("Fish & chips");
    expect(() => toPlainText(nested(MAX_PLAIN_TEXT_ROUNDS + 1))).toThrow(InvalidInputError);
  });

  it("refuses markup nested deeper than the limit, naming the field and not echoing the input", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...HOSTILE_MARKUP),
        fc.integer({ min: MAX_PLAIN_TEXT_ROUNDS, max: 30 }),
        (markup, levels) => {
          const error = thrownBy(() =>
            sanitizeText(encodeFully(markup, levels), "commentText", { min: 1, max: 2000 }),
          );
          expect(error).toBeInstanceOf(InvalidInputError);
          const { message, issues } = error as InvalidInputError;
          expect(message).toMatch(/^commentText /);
          expect(message).not.toMatch(/[<>&]/);
          expect(issues).toEqual([{ path: "commentText", message: "too many layers of HTML encoding" }]);
        },
      ),
      { seed: 9, numRuns: 40 },
    );
  });
});

describe("the markup check used by these tests", () => {
  it.each(["<b>x</b>", "x </b>", "a <!-- c --> b", "a <img src=x", "<!doctype html>", "<?xml?>"])(
    "finds markup in %s",
    (text) => {
      expect(findMarkup(text)).toBeDefined();
    },
  );

  it.each(["5 < 6", "I <3 you", "Fish & chips", "a > b", "x<"])("finds none in %s", (text) => {
    expect(findMarkup(text)).toBeUndefined();
  });
});
