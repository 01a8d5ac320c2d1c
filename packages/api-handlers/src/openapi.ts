import {
  adminMemberPageSchema,
  adminMemberViewSchema,
  anyProfileViewSchema,
  attachmentViewSchema,
  commentPageSchema,
  commentViewSchema,
  conversationPageSchema,
  conversationViewSchema,
  memberPageSchema,
  memberViewSchema,
  messagePageSchema,
  messageViewSchema,
  ownProfileViewSchema,
  profileViewSchema,
  reactionPageSchema,
  reactionViewSchema,
} from "@hearth/views/views";
import * as z from "zod";
import {
  type AnyRouteKey,
  ERROR_STATUSES,
  type ErrorStatus,
  errorStatusesOf,
  GATEWAY_ERROR_CODES,
  ROUTE_CONTRACTS,
  type RouteContract,
} from "./contract.js";
import { MAX_BODY_BYTES, PATH_PARAMETER_RULES } from "./http/request.js";
import { ROUTES, type RouteDefinition } from "./routes.js";

/**
 * The OpenAPI 3.1 document of the API, generated from the route table and the route
 * contracts (request bodies the handlers validate with, responses from the views' schemas).
 * `pnpm openapi` writes it to `packages/api-handlers/openapi.json`; a test keeps that file
 * equal to this.
 */

type JsonObject = Record<string, unknown>;

const SCHEMA_REF = (name: string) => `#/components/schemas/${name}`;

/**
 * Names for schemas that several routes share or a frontend refers to by name; the generated
 * client exposes them as `components["schemas"][name]`. Any other schema is named after the
 * operation it belongs to.
 */
const NAMED_RESPONSE_SCHEMAS: Record<string, z.ZodType> = {
  Profile: profileViewSchema,
  OwnProfile: ownProfileViewSchema,
  AnyProfile: anyProfileViewSchema,
  Comment: commentViewSchema,
  CommentPage: commentPageSchema,
  Reaction: reactionViewSchema,
  ReactionPage: reactionPageSchema,
  Attachment: attachmentViewSchema,
  Message: messageViewSchema,
  MessagePage: messagePageSchema,
  Conversation: conversationViewSchema,
  ConversationPage: conversationPageSchema,
  Member: memberViewSchema,
  MemberPage: memberPageSchema,
  AdminMember: adminMemberViewSchema,
  AdminMemberPage: adminMemberPageSchema,
};

const capitalized = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

function errorCodesOf(status: ErrorStatus): string[] {
  return [...new Set([...ERROR_STATUSES[status].codes, ...(GATEWAY_ERROR_CODES[status] ?? [])])];
}

/** `{"error":{"code","message"}}`, with the codes one status carries. */
function errorSchema(codes: readonly string[]) {
  return z.strictObject({
    error: z.strictObject({
      code: z.enum(codes as [string, ...string[]]).describe("What went wrong, for programs"),
      message: z.string().describe("What went wrong, for people; never echoes what the client sent"),
    }),
  });
}

/** Converts each registered schema; references between them point into `components.schemas`. */
function componentsOf(registry: z.core.$ZodRegistry<{ id?: string }>, io: "input" | "output"): JsonObject {
  const { schemas } = z.toJSONSchema(registry, {
    target: "draft-2020-12",
    io,
    unrepresentable: "throw",
    uri: SCHEMA_REF,
  });
  const components: JsonObject = {};
  for (const [name, schema] of Object.entries(schemas)) {
    const { $schema: _dialect, $id: _id, id: _name, ...rest } = schema as JsonObject;
    components[name] = rest;
  }
  return components;
}

function pathParameterNames(resource: string): string[] {
  return [...resource.matchAll(/\{([^}]+)\}/g)].map((match) => match[1]!);
}

function pathParameter(name: string): JsonObject {
  const rule = PATH_PARAMETER_RULES[name] ?? { maxLength: 256 };
  return {
    name,
    in: "path",
    required: true,
    description:
      name === "itemId"
        ? "Looks like a path (`/2015/christmas`) and travels percent-encoded (`%2F2015%2Fchristmas`)"
        : `Percent-encoded; at most ${rule.maxLength} characters once decoded`,
    schema: {
      type: "string",
      minLength: 1,
      maxLength: rule.maxLength,
      ...(rule.pattern ? { pattern: rule.pattern.source } : {}),
    },
  };
}

const PAGE_PARAMETERS = [
  { $ref: "#/components/parameters/Limit" },
  { $ref: "#/components/parameters/Cursor" },
];

/** Builds the whole document. Pure: the same code gives the same document. */
export function generateOpenApiDocument(): JsonObject {
  const requestRegistry = z.registry<{ id?: string }>();
  const responseRegistry = z.registry<{ id?: string }>();
  for (const [name, schema] of Object.entries(NAMED_RESPONSE_SCHEMAS))
    responseRegistry.add(schema, { id: name });
  const usedStatuses = new Set<ErrorStatus>();

  const schemaRef = (
    registry: z.core.$ZodRegistry<{ id?: string }>,
    schema: z.ZodType,
    fallbackName: string,
  ): JsonObject => {
    const existing = registry.get(schema)?.id;
    if (existing) return { $ref: SCHEMA_REF(existing) };
    registry.add(schema, { id: fallbackName });
    return { $ref: SCHEMA_REF(fallbackName) };
  };

  const paths: Record<string, Record<string, JsonObject>> = {};
  for (const route of ROUTES) {
    const key = `${route.method} ${route.resource}` as AnyRouteKey;
    const contract: RouteContract | undefined = ROUTE_CONTRACTS[key];
    if (!contract) throw new Error(`The route ${key} has no entry in ROUTE_CONTRACTS`);
    const name = capitalized(contract.operationId);
    const parameters: JsonObject[] = pathParameterNames(route.resource).map(pathParameter);
    if (contract.paginated) parameters.push(...PAGE_PARAMETERS);
    const isPublic = route.access === "public";
    if (route.method === "POST" && !isPublic) {
      parameters.push({ $ref: "#/components/parameters/IdempotencyKey" });
    }
    for (const [name, parameter] of Object.entries(contract.requiredQuery ?? {})) {
      parameters.push({
        name,
        in: "query",
        required: true,
        description: parameter.description,
        schema: { type: "string", minLength: 1 },
      });
    }
    for (const [name, parameter] of Object.entries(contract.textQuery ?? {})) {
      parameters.push({
        name,
        in: "query",
        required: false,
        description: parameter.description,
        schema: { type: "string", minLength: 1, maxLength: parameter.maxLength },
      });
    }
    if (contract.ifMatch) parameters.push({ $ref: "#/components/parameters/IfMatch" });
    for (const [name, parameter] of Object.entries(contract.query ?? {})) {
      parameters.push({
        name,
        in: "query",
        required: false,
        description: parameter.description,
        schema: { type: "string", enum: [...parameter.values], default: parameter.default },
      });
    }

    const successContent = {
      [contract.success.mediaType ?? "application/json"]: {
        schema: schemaRef(responseRegistry, contract.success.schema, `${name}Response`),
      },
    };
    const responses: Record<string, JsonObject> = {
      ...(contract.alsoSuccess
        ? {
            [contract.alsoSuccess.status]: {
              description: contract.alsoSuccess.description,
              content: successContent,
            },
          }
        : {}),
      [contract.success.status]: { description: contract.success.description, content: successContent },
    };
    for (const status of errorStatusesOf(route.method, contract, route.access)) {
      usedStatuses.add(status);
      responses[status] = { $ref: `#/components/responses/Error${status}` };
    }

    const operation: JsonObject = {
      operationId: contract.operationId,
      summary: contract.summary,
      ...(contract.description ? { description: contract.description } : {}),
      tags: [route.area],
      ...(route.access === "admin" ? { "x-hearth-access": "admin" } : {}),
      // No Cognito token: the operation overrides the document-wide security with none.
      ...(isPublic ? { "x-hearth-access": "public", security: [] } : {}),
      ...(parameters.length ? { parameters } : {}),
      ...(contract.body
        ? {
            requestBody: {
              // A route whose body is optional takes a request with neither body nor Content-Type.
              required: (route as RouteDefinition).requestBody !== "optional",
              content: {
                "application/json": { schema: schemaRef(requestRegistry, contract.body, `${name}Request`) },
              },
            },
          }
        : {}),
      responses,
    };
    paths[route.resource] ??= {};
    paths[route.resource]![route.method.toLowerCase()] = operation;
  }

  const errorResponses: Record<string, JsonObject> = {};
  const errorRegistry = z.registry<{ id?: string }>();
  const allCodes = new Set<string>();
  for (const status of [...usedStatuses].sort((a, b) => a - b)) {
    const codes = errorCodesOf(status);
    for (const code of codes) allCodes.add(code);
    errorRegistry.add(errorSchema(codes), { id: `Error${status}` });
    errorResponses[`Error${status}`] = {
      description: `${ERROR_STATUSES[status].description} (\`error.code\`: ${codes.join(", ")})`,
      ...(status === 429 || status === 503
        ? { headers: { "Retry-After": { description: "Seconds to wait", schema: { type: "string" } } } }
        : {}),
      content: { "application/json": { schema: { $ref: SCHEMA_REF(`Error${status}`) } } },
    };
  }
  errorRegistry.add(errorSchema([...allCodes].sort()), { id: "Error" });

  return {
    openapi: "3.1.0",
    info: {
      title: "Hearth API",
      version: "1.0.0",
      description: [
        "The REST API of Hearth, the social layer of a family archive: profiles, comments, reactions and messages.",
        "",
        "Every route but the public unsubscribe link (`/unsubscribe`, authenticated by its signed token) needs the Cognito **ID token** (not the access token) of a member (group `ApprovedUsers` or `Admins`) in `Authorization`, with or without `Bearer `.",
        'JSON in and out; every error is `{"error":{"code","message"}}`. Lists are paginated with `limit` and the opaque `cursor` of the previous page.',
        `Request bodies are at most ${MAX_BODY_BYTES / 1024} KB.`,
      ].join("\n"),
    },
    servers: [{ url: "/", description: "The API's base URL (the stack output ApiUrl)" }],
    security: [{ CognitoIdToken: [] }],
    tags: [
      { name: "profile", description: "Profiles" },
      { name: "comments", description: "Comments on archive items" },
      { name: "reactions", description: "Likes on comments" },
      { name: "messages", description: "Direct and group messages with attachments" },
    ],
    paths,
    components: {
      securitySchemes: {
        CognitoIdToken: {
          type: "http",
          scheme: "bearer",
          bearerFormat: "JWT",
          description: "A Cognito user pool ID token; the `Bearer ` prefix is optional",
        },
      },
      parameters: {
        Limit: {
          name: "limit",
          in: "query",
          description: "Page size",
          schema: { type: "integer", minimum: 1, maximum: 100 },
        },
        Cursor: {
          name: "cursor",
          in: "query",
          description: "The `nextCursor` of the previous page of the same list",
          schema: { type: "string", minLength: 1 },
        },
        IdempotencyKey: {
          name: "Idempotency-Key",
          in: "header",
          description:
            "Optional. Retrying with the same key returns the first answer instead of doing it twice; the same key with a different request is a 422.",
          schema: { type: "string", minLength: 1, maxLength: 255 },
        },
        IfMatch: {
          name: "If-Match",
          in: "header",
          description:
            'Optional. The comment `version` the client last saw (`3`, `"3"` or `W/"3"`); a newer one on the server is a 409 and nothing changes.',
          schema: { type: "string" },
        },
      },
      responses: errorResponses,
      schemas: {
        ...componentsOf(requestRegistry, "input"),
        ...componentsOf(responseRegistry, "output"),
        ...componentsOf(errorRegistry, "output"),
      },
    },
  };
}

/** The document as `pnpm openapi` writes it. */
export function openApiJson(): string {
  return `${JSON.stringify(generateOpenApiDocument(), null, 2)}\n`;
}
