import type { Caller, PageRequest } from "@hearth/domain";
import type { APIGatewayProxyEvent } from "aws-lambda";
import type { z } from "zod";
import { badRequest, payloadTooLarge, unauthorized, unsupportedMediaType } from "./errors.js";

/** The largest request body accepted, in bytes. */
export const MAX_BODY_BYTES = 64 * 1024;

/** Case-insensitive header lookup (REST APIs pass header names as the client sent them). */
export function headerValue(event: APIGatewayProxyEvent, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(event.headers ?? {})) {
    if (key.toLowerCase() === wanted && value !== undefined) return value;
  }
  return undefined;
}

/**
 * When a claims `exp` is past. The Cognito authorizer hands it over as a date string
 * (`Wed Nov 25 17:45:59 UTC 2026`); other gateways may pass epoch seconds.
 */
function isExpired(exp: string | undefined, now: Date): boolean {
  if (!exp) return false;
  const expiresAt = /^\d+$/.test(exp) ? new Date(Number(exp) * 1000) : new Date(exp);
  return !Number.isNaN(expiresAt.getTime()) && expiresAt.getTime() <= now.getTime();
}

/** A claim's time: the Cognito authorizer's date string, or epoch seconds; undefined if unreadable. */
function claimTime(value: string | undefined): Date | undefined {
  if (!value) return undefined;
  const at = /^\d+$/.test(value) ? new Date(Number(value) * 1000) : new Date(value);
  return Number.isNaN(at.getTime()) ? undefined : at;
}

/** `Admins,ApprovedUsers` as the authorizer sends it; brackets and spaces tolerated. */
function parseGroups(value: string | undefined): string[] {
  if (!value) return [];
  return value
    .replace(/^\[|\]$/g, "")
    .split(/[,\s]+/)
    .filter(Boolean);
}

/** The caller, from the claims the Cognito authorizer verified; no claims means no valid token. */
export function callerFromEvent(event: APIGatewayProxyEvent, now: Date): Caller {
  const claims = event.requestContext?.authorizer?.claims as Record<string, unknown> | undefined;
  const claim = (name: string) => {
    const value = claims?.[name];
    return typeof value === "string" && value !== "" ? value : undefined;
  };
  const userId = claim("sub");
  if (!userId) throw unauthorized();
  if (isExpired(claim("exp"), now)) throw unauthorized("Your sign-in has expired; sign in again");
  return {
    userId,
    email: claim("email"),
    name: claim("name"),
    groups: parseGroups(claim("cognito:groups")),
    issuedAt: claimTime(claim("iat")),
  };
}

/** The body as text, refused when it is over the limit. */
export function rawBody(event: APIGatewayProxyEvent): string | undefined {
  if (event.body === null || event.body === undefined) return undefined;
  const bytes = event.isBase64Encoded ? Buffer.from(event.body, "base64") : Buffer.from(event.body, "utf8");
  if (bytes.length > MAX_BODY_BYTES) {
    throw payloadTooLarge(`The request body must be at most ${MAX_BODY_BYTES / 1024} KB`);
  }
  return event.isBase64Encoded ? bytes.toString("utf8") : event.body;
}

/** The one media type request bodies may have. */
const JSON_MEDIA_TYPE = "application/json";

/**
 * Whether a `Content-Type` value is JSON: `application/json`, in any case, with no
 * parameter but an optional UTF-8 charset (JSON is UTF-8 by definition).
 */
export function isJsonContentType(value: string | undefined): boolean {
  if (value === undefined) return false;
  const [mediaType = "", ...parameters] = value.split(";").map((part) => part.trim().toLowerCase());
  if (mediaType !== JSON_MEDIA_TYPE) return false;
  return parameters.every((parameter) => /^charset\s*=\s*"?utf-?8"?$/.test(parameter));
}

/**
 * Refuses a request to a route that takes a body unless it says the body is JSON: 415,
 * whatever the body holds (a form or text body is never guessed at).
 */
export function assertJsonContentType(event: APIGatewayProxyEvent): void {
  if (!isJsonContentType(headerValue(event, "content-type"))) {
    throw unsupportedMediaType(
      `Send the request body as ${JSON_MEDIA_TYPE} (Content-Type: ${JSON_MEDIA_TYPE})`,
    );
  }
}

/** A path segment that is a field name of a schema, safe to show; anything else may be a client's key. */
const FIELD_NAME = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;

/** `notificationPreferences.comments`, `participantIds[2]`; a segment not shaped like a field name shows as `[key]`. */
function issuePath(path: readonly PropertyKey[]): string {
  return path
    .map((segment, index) => {
      if (typeof segment === "number") return `[${segment}]`;
      const name = typeof segment === "string" && FIELD_NAME.test(segment) ? segment : "[key]";
      return index === 0 || name === "[key]" ? name : `.${name}`;
    })
    .join("");
}

/** Zod's type names as a sentence says them. */
const EXPECTED_TYPES: Partial<Record<string, string>> = {
  string: "a string",
  number: "a number",
  int: "an integer",
  boolean: "true or false",
  array: "an array",
  object: "an object",
  null: "null",
};

const plural = (count: number, one: string, many = `${one}s`) => `${count} ${count === 1 ? one : many}`;

/** How big or small a value may be, by what it is. */
function sizeRule(issue: z.core.$ZodIssueTooBig | z.core.$ZodIssueTooSmall, bound: number | bigint): string {
  const count = Number(bound);
  switch (issue.origin) {
    case "string":
      return plural(count, "character");
    case "array":
    case "set":
      return plural(count, "item");
    default:
      return String(bound);
  }
}

/**
 * The rule one issue broke, worded from its code and the schema's own facts (types, limits,
 * allowed values, our refinement messages), never from zod's default text, which quotes
 * unknown keys as the client sent them. Needs issues parsed with `reportInput` to tell a
 * missing field from one of the wrong type; the input itself is never shown.
 */
function issueRule(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case "invalid_type":
      if ("input" in issue && issue.input === undefined) return "is required";
      return `must be ${EXPECTED_TYPES[issue.expected] ?? `of type ${issue.expected}`}`;
    case "too_big":
      return issue.inclusive === false
        ? `must be less than ${sizeRule(issue, issue.maximum)}`
        : `must be at most ${sizeRule(issue, issue.maximum)}`;
    case "too_small":
      if (issue.origin === "string" && Number(issue.minimum) === 1 && issue.inclusive !== false)
        return "must not be empty";
      return issue.inclusive === false
        ? `must be more than ${sizeRule(issue, issue.minimum)}`
        : `must be at least ${sizeRule(issue, issue.minimum)}`;
    case "invalid_format":
      return `must be a valid ${issue.format}`;
    case "invalid_value":
      return issue.values.length === 1
        ? `must be ${JSON.stringify(issue.values[0])}`
        : `must be one of ${issue.values.map((value) => JSON.stringify(value)).join(", ")}`;
    case "not_multiple_of":
      return `must be a multiple of ${issue.divisor}`;
    case "unrecognized_keys":
      return issue.keys.length === 1
        ? "has a field that is not allowed"
        : `has ${issue.keys.length} fields that are not allowed`;
    case "invalid_key":
      return "has a key that is not allowed";
    case "invalid_element":
      return "has a value that is not allowed";
    case "invalid_union":
      return "does not match any allowed form";
    case "custom":
      // Written in our schemas' refinements, which never quote the input.
      return issue.message;
  }
}

/**
 * Describes validation issues in one line, naming the fields and the rules they broke. Client
 * supplied keys and values are never echoed: a crafted key or value cannot reach the message.
 */
function describeIssues(issues: readonly z.core.$ZodIssue[]): string {
  return issues
    .slice(0, 5)
    .map((issue) => {
      const path = issuePath(issue.path);
      const rule = issueRule(issue);
      return path ? `${path} ${rule}` : issue.code === "custom" ? rule : `the body ${rule}`;
    })
    .join("; ");
}

export function parseJsonBody<T>(body: string | undefined, schema: z.ZodType<T>): T {
  if (body === undefined || body.trim() === "") throw badRequest("A JSON body is required");
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    throw badRequest("The request body is not valid JSON");
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw badRequest("The request body must be a JSON object");
  }
  const result = schema.safeParse(value, { reportInput: true });
  if (!result.success) throw badRequest(`Invalid request body: ${describeIssues(result.error.issues)}`);
  return result.data;
}

/** `3`, `"3"` or `W/"3"`: the forms a client may send a version in. */
const VERSION_TAG = /^(?:W\/)?"?([1-9][0-9]{0,9})"?$/;

/**
 * The version an `If-Match` header names, for an edit that must not overwrite a newer one;
 * undefined without the header or with `*` (any version). 400 when it names no version.
 */
export function ifMatchVersion(value: string | undefined): number | undefined {
  if (value === undefined || value.trim() === "*") return undefined;
  const match = VERSION_TAG.exec(value.trim());
  if (!match?.[1]) throw badRequest('If-Match must be the version being edited, such as "3"');
  return Number(match[1]);
}

/** `?limit=` and `?cursor=`; the cursor itself is checked by the list it belongs to. */
export function pageRequestFrom(event: APIGatewayProxyEvent): PageRequest {
  const query = event.queryStringParameters ?? {};
  const limitText = query.limit;
  let limit: number | undefined;
  if (limitText !== undefined) {
    if (!/^\d{1,3}$/.test(limitText)) throw badRequest("limit must be an integer from 1 to 100");
    limit = Number(limitText);
    if (limit < 1 || limit > 100) throw badRequest("limit must be an integer from 1 to 100");
  }
  const cursor = query.cursor;
  if (cursor !== undefined && cursor.trim() === "") throw badRequest("cursor must not be empty");
  return { limit, cursor };
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what is refused
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]/;

/** Shapes of the path parameters, checked after decoding. */
export const PATH_PARAMETER_RULES: Record<string, { pattern?: RegExp; maxLength: number }> = {
  userId: { maxLength: 128 },
  itemId: { maxLength: 512 },
  commentId: { pattern: /^[0-9A-Za-z_-]+$/, maxLength: 64 },
  conversationId: { pattern: /^[0-9A-Za-z_-]+$/, maxLength: 128 },
  messageId: { pattern: /^[0-9A-Za-z_-]+$/, maxLength: 64 },
};

/**
 * A path parameter, percent-decoded exactly once (REST APIs deliver them still encoded,
 * so `%2F2015%2Fchristmas` becomes `/2015/christmas`).
 */
export function pathParameter(event: APIGatewayProxyEvent, name: string): string {
  const encoded = event.pathParameters?.[name];
  if (!encoded) throw badRequest(`The path parameter ${name} is missing`);
  let decoded: string;
  try {
    decoded = decodeURIComponent(encoded);
  } catch {
    throw badRequest(`The path parameter ${name} is not correctly percent-encoded`);
  }
  if (!isValidParameterValue(name, decoded)) throw badRequest(`The path parameter ${name} is not valid`);
  return decoded;
}

/** Whether a decoded value has the shape `name` must have (the WebSocket routes check itemIds with it too). */
export function isValidParameterValue(name: string, decoded: string): boolean {
  const rule = PATH_PARAMETER_RULES[name] ?? { maxLength: 256 };
  return !(
    decoded.trim() === "" ||
    decoded.length > rule.maxLength ||
    CONTROL_CHARACTERS.test(decoded) ||
    (rule.pattern && !rule.pattern.test(decoded))
  );
}
