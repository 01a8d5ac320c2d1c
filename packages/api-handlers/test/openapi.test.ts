import { readFileSync } from "node:fs";
import SwaggerParser from "@apidevtools/swagger-parser";
import { describe, expect, it } from "vitest";
import { ROUTE_CONTRACTS, type RouteContract } from "../src/contract.js";
import { generateOpenApiDocument, openApiJson } from "../src/openapi.js";
import { OPENAPI_FILE } from "../src/openapi-file.js";
import { ROUTES } from "../src/routes.js";

const HTTP_METHODS = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];

type Operation = {
  parameters?: { $ref?: string; name?: string; in?: string }[];
  requestBody?: unknown;
  responses: Record<string, unknown>;
};
type Document = { paths: Record<string, Record<string, Operation>> };

function operationsOf(document: Document): string[] {
  return Object.entries(document.paths).flatMap(([path, item]) =>
    Object.keys(item)
      .filter((key) => HTTP_METHODS.includes(key))
      .map((method) => `${method.toUpperCase()} ${path}`),
  );
}

describe("the OpenAPI document", () => {
  const committed = JSON.parse(readFileSync(OPENAPI_FILE, "utf8")) as Document;

  it("is committed exactly as the code generates it (run `pnpm openapi` after changing the API)", () => {
    expect(readFileSync(OPENAPI_FILE, "utf8")).toBe(openApiJson());
  });

  it("has an operation for every route in the route table, and none that is not one", () => {
    const routeKeys = ROUTES.map((route) => `${route.method} ${route.resource}`).sort();
    expect(operationsOf(committed).sort()).toEqual(routeKeys);
    expect(Object.keys(ROUTE_CONTRACTS).sort()).toEqual(routeKeys);
  });

  it("passes an OpenAPI 3.1 validator, with every $ref resolving", async () => {
    const document = generateOpenApiDocument();
    await expect(SwaggerParser.validate(structuredClone(document) as never)).resolves.toBeTruthy();
    expect(document.openapi).toBe("3.1.0");
  });

  it("documents the bearer ID token, the error shape with its codes, pagination and Idempotency-Key", () => {
    const document = generateOpenApiDocument() as unknown as Document & {
      security: unknown;
      components: { securitySchemes: Record<string, unknown>; schemas: Record<string, unknown> };
    };
    expect(document.security).toEqual([{ CognitoIdToken: [] }]);
    expect(document.components.securitySchemes.CognitoIdToken).toMatchObject({
      type: "http",
      scheme: "bearer",
    });
    const error = document.components.schemas.Error as {
      properties: { error: { properties: { code: { enum: string[] } }; required: string[] } };
    };
    expect(error.properties.error.required).toEqual(["code", "message"]);
    expect(error.properties.error.properties.code.enum).toEqual(
      expect.arrayContaining([
        "INVALID_INPUT",
        "UNAUTHORIZED",
        "FORBIDDEN",
        "MEMBERSHIP_PENDING",
        "NOT_FOUND",
        "CONFLICT",
        "PAYLOAD_TOO_LARGE",
        "UNSUPPORTED_MEDIA_TYPE",
        "IDEMPOTENCY_KEY_REUSED",
        "REQUEST_IN_PROGRESS",
        "TOO_MANY_REQUESTS",
        "INTERNAL_ERROR",
      ]),
    );
    const listComments = document.paths["/comments/{itemId}"]!.get!;
    expect(listComments.parameters?.map((parameter) => parameter.name ?? parameter.$ref)).toEqual([
      "itemId",
      "#/components/parameters/Limit",
      "#/components/parameters/Cursor",
    ]);
    const postComment = document.paths["/comments/{itemId}"]!.post!;
    expect(postComment.parameters).toContainEqual({ $ref: "#/components/parameters/IdempotencyKey" });
    expect(Object.keys(postComment.responses)).toEqual(
      expect.arrayContaining(["201", "400", "401", "403", "409", "413", "415", "422", "429", "500"]),
    );
    // GETs change nothing, so they answer neither idempotency nor media type errors.
    expect(Object.keys(listComments.responses)).not.toContain("415");
    expect(Object.keys(listComments.responses)).not.toContain("422");
  });

  it("takes request bodies from the schemas the handlers validate with (unknown fields refused)", () => {
    const document = generateOpenApiDocument() as unknown as {
      components: { schemas: Record<string, { required?: string[]; additionalProperties?: unknown }> };
    };
    const createComment = document.components.schemas.CreateCommentRequest!;
    expect(createComment.required).toEqual(["commentText"]);
    expect(createComment.additionalProperties).toBe(false);
  });

  it("documents a body exactly for the routes the route table marks as taking one (the 415 check)", () => {
    for (const route of ROUTES) {
      const contract: RouteContract =
        ROUTE_CONTRACTS[`${route.method} ${route.resource}` as keyof typeof ROUTE_CONTRACTS];
      const takesBody = "requestBody" in route && route.requestBody !== undefined;
      expect({ route: `${route.method} ${route.resource}`, body: contract.body !== undefined }).toEqual({
        route: `${route.method} ${route.resource}`,
        body: takesBody,
      });
    }
  });

  it("documents If-Match on the comment edit and 503 with Retry-After on every route", () => {
    const edit = committed.paths["/comments/{itemId}/{commentId}"]!.put!;
    expect(edit.parameters).toContainEqual({ $ref: "#/components/parameters/IfMatch" });
    for (const item of Object.values(committed.paths))
      for (const operation of Object.values(item)) expect(Object.keys(operation.responses)).toContain("503");
  });
});
