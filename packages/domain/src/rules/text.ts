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
 * Reduces user input to plain text: tags removed, script/style content dropped, entities
 * decoded. Repeats until nothing changes so encoded markup (`&lt;script&gt;`) cannot
 * survive as markup after decoding. Control characters go; line breaks stay.
 */
export function toPlainText(input: string): string {
  let current = input;
  for (let round = 0; round < 5; round++) {
    const next = stripOnce(current);
    if (next === current) break;
    current = next;
  }
  return (
    current
      // Control characters other than tab and line breaks have no place in a comment or message.
      .replace(/\p{Cc}/gu, (char) => (char === "\n" || char === "\r" || char === "\t" ? char : ""))
      .replace(/\r\n?/g, "\n")
      // A lone UTF-16 surrogate cannot be stored as UTF-8: make it the replacement character.
      .replace(/\p{Cs}/gu, "\uFFFD")
      .trim()
  );
}

/** Sanitizes and checks the length of a piece of user text; `what` names it in the error. */
export function sanitizeText(input: string, what: string, limits: { min: number; max: number }): string {
  const text = toPlainText(input);
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
