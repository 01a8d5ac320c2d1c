import { Parser } from "htmlparser2";
import { InvalidInputError } from "../errors.js";

/** Elements whose content is code or not meant to be read, dropped entirely rather than kept as text. */
const DROPPED_ELEMENTS = new Set([
  "script",
  "style",
  "noscript",
  "template",
  "iframe",
  "object",
  "textarea",
  "title",
  "svg",
  "math",
]);

function stripOnce(input: string): string {
  let text = "";
  let droppedDepth = 0;
  const parser = new Parser(
    {
      onopentag(name) {
        if (DROPPED_ELEMENTS.has(name)) droppedDepth++;
      },
      onclosetag(name) {
        if (DROPPED_ELEMENTS.has(name) && droppedDepth > 0) droppedDepth--;
      },
      ontext(data) {
        if (droppedDepth === 0) text += data;
      },
    },
    { decodeEntities: true, lowerCaseTags: true, recognizeSelfClosing: true },
  );
  parser.write(input);
  parser.end();
  return text;
}

/**
 * Most rounds of reduction a text may need before it stops changing. One round decodes one
 * level of entities or removes one layer of tags, so 16 covers any honest text many times
 * over (a doubly escaped `&amp;amp;` needs 2); more is deliberate nesting and is refused.
 */
export const MAX_PLAIN_TEXT_ROUNDS = 16;

/** Characters a piece of plain text may not hold, applied every round so removing them cannot form a tag. */
function normalizeCharacters(text: string): string {
  return (
    text
      // Control characters other than tab and line breaks have no place in a comment or message.
      .replace(/\p{Cc}/gu, (char) => (char === "\n" || char === "\r" || char === "\t" ? char : ""))
      .replace(/\r\n?/g, "\n")
      // A lone UTF-16 surrogate cannot be stored as UTF-8: make it the replacement character.
      .replace(/\p{Cs}/gu, "\uFFFD")
  );
}

/**
 * Reduces user input to plain text: tags removed, script/style content dropped, entities
 * decoded, control characters gone (line breaks stay). Repeats until a round changes
 * nothing, so the result parses as text alone however deeply markup was entity-encoded
 * (`&amp;amp;lt;script&amp;amp;gt;`); input still changing after MAX_PLAIN_TEXT_ROUNDS is
 * refused rather than returned half-decoded. `what` names the field in that error.
 */
export function toPlainText(input: string, what = "text"): string {
  let current = input;
  for (let round = 0; round <= MAX_PLAIN_TEXT_ROUNDS; round++) {
    const next = normalizeCharacters(stripOnce(current));
    if (next === current) return current.trim();
    current = next;
  }
  throw new InvalidInputError(`${what} is nested in more layers of HTML encoding than are accepted`, [
    { path: what, message: "too many layers of HTML encoding" },
  ]);
}

/** Sanitizes and checks the length of a piece of user text; `what` names it in the error. */
export function sanitizeText(input: string, what: string, limits: { min: number; max: number }): string {
  const text = toPlainText(input, what);
  if (text.length < limits.min) {
    throw new InvalidInputError(
      limits.min === 1 ? `${what} must not be empty` : `${what} must be at least ${limits.min} characters`,
      [{ path: what, message: "too short" }],
    );
  }
  if (text.length > limits.max) {
    throw new InvalidInputError(`${what} must be at most ${limits.max} characters`, [
      { path: what, message: "too long" },
    ]);
  }
  return text;
}
