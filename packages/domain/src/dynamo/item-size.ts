import { ItemTooLargeError } from "../errors.js";

/** DynamoDB's hard limit for one item, names and values included. */
export const MAX_ITEM_BYTES = 400 * 1024;

const utf8 = new TextEncoder();

function valueSize(value: unknown): number {
  if (value === null || value === undefined) return 1;
  if (typeof value === "string") return utf8.encode(value).length;
  if (typeof value === "boolean") return 1;
  if (typeof value === "number" || typeof value === "bigint") {
    // Numbers are stored as up to 38 significant digits: roughly one byte per two digits plus one.
    const digits = String(value)
      .replace(/[^0-9]/g, "")
      .replace(/^0+/, "").length;
    return Math.ceil(digits / 2) + 1;
  }
  if (value instanceof Uint8Array) return value.byteLength;
  if (value instanceof Set) {
    let total = 0;
    for (const member of value) total += valueSize(member);
    return total;
  }
  if (Array.isArray(value)) {
    // Lists and maps cost 3 bytes plus 1 byte per element on top of their contents.
    return 3 + value.reduce<number>((sum, element) => sum + 1 + valueSize(element), 0);
  }
  if (typeof value === "object") {
    return (
      3 +
      Object.entries(value as Record<string, unknown>).reduce(
        (sum, [name, element]) => sum + 1 + utf8.encode(name).length + valueSize(element),
        0,
      )
    );
  }
  return 0;
}

/** The size DynamoDB bills and limits an item by (attribute names plus values). */
export function itemSizeBytes(item: Record<string, unknown>): number {
  let total = 0;
  for (const [name, value] of Object.entries(item)) {
    if (value === undefined) continue;
    total += utf8.encode(name).length + valueSize(value);
  }
  return total;
}

/** Guards a write before it is sent, so the caller gets a typed error instead of a ValidationException. */
export function assertItemFits(item: Record<string, unknown>): void {
  const size = itemSizeBytes(item);
  if (size > MAX_ITEM_BYTES) {
    throw new ItemTooLargeError(`The item is ${size} bytes; DynamoDB allows at most ${MAX_ITEM_BYTES}`);
  }
}
