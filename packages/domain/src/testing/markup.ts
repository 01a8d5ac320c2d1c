import fc from "fast-check";
import { Parser } from "htmlparser2";

/**
 * Hostile markup and generated entity encodings of it, for tests of plain-text sanitizing at
 * every level (domain rules, handlers, end to end). Kept apart from `testing/index.ts`, which
 * the local stack imports at run time, because fast-check is a dev dependency.
 */

/** Markup that must never come back out of a sanitized field as a tag. */
export const HOSTILE_MARKUP = [
  "<script>alert(document.cookie)</script>",
  "<img src=x onerror=alert(1)>",
  '<a href="javascript:alert(1)">x</a>',
  "<svg onload=alert(1)>",
  "<iframe src=javascript:alert(1)></iframe>",
  "<scr<script>ipt>alert(1)</script>",
  "<<b>img src=x onerror=alert(1)>",
  "<math><style><img src=x onerror=alert(1)></style></math>",
  "<!--x--><b onmouseover=alert(1)>x</b>",
  "</textarea><script>alert(1)</script>",
] as const;

/**
 * What `text` holds that an HTML parser reads as markup (an opening or closing tag, a
 * comment, a processing instruction or declaration), or undefined when it is text alone.
 */
export function findMarkup(text: string): string | undefined {
  let found: string | undefined;
  const parser = new Parser(
    {
      onopentagname: (name) => {
        found ??= `<${name}>`;
      },
      onclosetag: (name, isImplied) => {
        if (!isImplied) found ??= `</${name}>`;
      },
      oncomment: () => {
        found ??= "a comment";
      },
      onprocessinginstruction: (name) => {
        found ??= `<${name}>`;
      },
    },
    { decodeEntities: true, recognizeSelfClosing: true },
  );
  parser.write(text);
  parser.end();
  // A tag left open at the end of the text is not reported by the parser, but a browser that
  // gets more text after it (in a page) would open it.
  return found ?? /<[a-z!/?]/i.exec(text)?.[0];
}

/** Ways to write one character as an entity that an HTML parser decodes back to it. */
function entityForms(char: string, strict: boolean): string[] {
  const code = char.codePointAt(0) ?? 0;
  const numeric = [
    `&#${code};`,
    `&#00${code};`,
    `&#x${code.toString(16)};`,
    `&#X${code.toString(16).toUpperCase()};`,
    `&#x000${code.toString(16)};`,
  ];
  const named: Record<string, string[]> = {
    "<": ["&lt;", "&LT;"],
    ">": ["&gt;", "&GT;"],
    "&": ["&amp;", "&AMP;"],
    '"': ["&quot;", "&QUOT;"],
    "'": ["&apos;"],
    "=": ["&equals;"],
    "/": ["&sol;"],
  };
  // Legacy references without a semicolon decode too, but only where the next character
  // cannot extend them, so they are left out of encodings that must decode exactly.
  const legacy: Record<string, string[]> = {
    "<": ["&lt", "&LT"],
    ">": ["&gt"],
    "&": ["&amp"],
    '"': ["&quot"],
  };
  return [...numeric, ...(named[char] ?? []), ...(strict ? [] : (legacy[char] ?? []))];
}

const MARKUP_CHARACTERS = new Set(["<", ">", "&", '"', "'", "=", "/"]);

/** One layer of encoding of `text`; `pick` chooses among options (tests drive it with a seed). */
export function encodeOnce(
  text: string,
  options: { encodeAll: boolean; strict: boolean; splitLetters: boolean },
  pick: (count: number) => number,
): string {
  let out = "";
  for (const char of text) {
    const markup = MARKUP_CHARACTERS.has(char);
    // `&` always: it carries the layers below. Other markup usually. Letters now and then
    // when asked (the innermost layer), which splits tag names and attributes across entities
    // (`<scr&#105;pt>`); only there, so each layer adds to the length instead of multiplying it.
    const encode =
      char === "&" ||
      (markup && (options.encodeAll || pick(10) < 8)) ||
      (options.splitLetters && /[a-z]/i.test(char) && pick(6) === 0);
    if (!encode) {
      out += char;
      continue;
    }
    const forms = entityForms(char, options.strict);
    out += forms[pick(forms.length)];
  }
  return out;
}

/** `text` encoded `levels` times over, every markup character at every level, decoding back exactly. */
export function encodeFully(text: string, levels: number, seed = 1): string {
  let state = seed >>> 0 || 1;
  // A tiny xorshift generator: the same seed gives the same encoding.
  const pick = (count: number) => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) % count;
  };
  let encoded = text;
  for (let level = 0; level < levels; level++) {
    encoded = encodeOnce(encoded, { encodeAll: true, strict: true, splitLetters: level === 0 }, pick);
  }
  return encoded;
}

export interface EncodedMarkup {
  payload: string;
  levels: number;
  text: string;
}

/**
 * Hostile markup nested in 1 to `maxLevels` layers of mixed named, decimal, hex and legacy
 * entities, partly encoded per layer (so characters sit at different depths) with letters of
 * tags split into entities, between ordinary words.
 */
export function encodedMarkup(maxLevels = 10): fc.Arbitrary<EncodedMarkup> {
  return fc
    .record({
      payload: fc.constantFrom(...HOSTILE_MARKUP),
      levels: fc.integer({ min: 1, max: maxLevels }),
      picks: fc.array(fc.nat({ max: 0xffff }), { minLength: 1, maxLength: 64 }),
      splitWithTag: fc.boolean(),
    })
    .map(({ payload, levels, picks, splitWithTag }) => {
      let next = 0;
      const pick = (count: number) => (picks[next++ % picks.length] ?? 0) % count;
      // A real empty tag inside the markup, which only forms a tag once it is stripped.
      let text = splitWithTag ? payload.replace("<", "<<i></i>") : payload;
      for (let level = 0; level < levels; level++) {
        text = encodeOnce(text, { encodeAll: false, strict: false, splitLetters: level === 0 }, pick);
      }
      return { payload, levels, text: `Look ${text} here` };
    });
}

/**
 * `count` generated nestings (as from `encodedMarkup`) at most `maxLength` characters long,
 * the same for the same seed: for tests that try a few per field rather than a property.
 */
export function sampleEncodedMarkup(count: number, options: { seed: number; maxLength: number }): string[] {
  return fc.sample(
    encodedMarkup(10)
      .map((sample) => sample.text)
      .filter((text) => text.length <= options.maxLength),
    { seed: options.seed, numRuns: count },
  );
}
