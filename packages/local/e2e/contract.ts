import { readFileSync } from "node:fs";
import type { RouteDefinition } from "@hearth/api-handlers";
import { OPENAPI_FILE } from "@hearth/api-handlers/openapi-file";
import { Ajv2020, type ValidateFunction } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import { matchResource } from "../src/gateway.js";

/**
 * Checks answers against the committed OpenAPI document: the status must be one the operation
 * lists, and the body must match that response's schema (JSON Schema 2020-12, with formats).
 * The e2e client runs every response through this, so code and contract cannot drift apart.
 */

interface Operation {
  operationId: string;
  responses: Record<string, { $ref?: string; content?: Record<string, { schema: unknown }> }>;
}
interface OpenApiDocument {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, unknown>; responses: Record<string, Operation["responses"][string]> };
}

const SCHEMAS_ID = "https://hearth.test/openapi-schemas";

/** The document's `#/components/schemas/X` references, pointed at the one schema holding them all. */
function retargeted<T>(value: T): T {
  return JSON.parse(
    JSON.stringify(value).replaceAll('"#/components/schemas/', `"${SCHEMAS_ID}#/$defs/`),
  ) as T;
}

export class ContractViolation extends Error {
  override readonly name = "ContractViolation";
}

export class ContractValidator {
  private readonly document: OpenApiDocument;
  private readonly ajv = new Ajv2020({ allErrors: true, strict: true });
  private readonly validators = new Map<string, ValidateFunction>();
  private readonly resources: RouteDefinition[];

  constructor(document: unknown = JSON.parse(readFileSync(OPENAPI_FILE, "utf8"))) {
    this.document = document as OpenApiDocument;
    addFormats.default(this.ajv);
    this.ajv.addSchema({ $id: SCHEMAS_ID, $defs: retargeted(this.document.components.schemas) });
    this.resources = Object.entries(this.document.paths).flatMap(([resource, item]) =>
      Object.keys(item).map((method) => ({ resource, method: method.toUpperCase() }) as RouteDefinition),
    );
  }

  /** A named schema of the document (`components.schemas`). */
  schemaNamed(name: string): unknown {
    return this.document.components.schemas[name];
  }

  private validatorFor(key: string, schema: unknown): ValidateFunction {
    let validate = this.validators.get(key);
    if (!validate) {
      validate = this.ajv.compile(retargeted(schema as object));
      this.validators.set(key, validate);
    }
    return validate;
  }

  /**
   * Throws a ContractViolation unless `status` and `body` are what the document says
   * `method rawPath` answers. A path or method with no operation must get API Gateway's 403.
   */
  check(method: string, rawPath: string, status: number, body: unknown, mediaType?: "text/html"): void {
    const matched = matchResource(this.resources, rawPath);
    const operation = matched ? this.document.paths[matched.resource]?.[method.toLowerCase()] : undefined;
    const where = operation
      ? `${operation.operationId} (${method} ${matched!.resource})`
      : `${method} ${rawPath}`;
    let response: Operation["responses"][string] | undefined;
    if (operation) {
      response = operation.responses[String(status)];
      if (!response) {
        const listed = Object.keys(operation.responses).join(", ");
        throw new ContractViolation(
          `${where} answered ${status}, which the contract does not list (${listed})`,
        );
      }
    } else {
      if (status !== 403)
        throw new ContractViolation(`${where} is no operation, yet answered ${status}, not 403`);
      response = { $ref: "#/components/responses/Error403" };
    }
    if (response.$ref) response = this.document.components.responses[response.$ref.split("/").pop()!]!;
    // A page must be an answer the contract lists as a page, and a JSON answer one it lists as JSON.
    const listed = Object.keys(response.content ?? {});
    if (mediaType === "text/html") {
      if (!listed.includes("text/html"))
        throw new ContractViolation(
          `${where} answered ${status} with a page, which the contract does not list`,
        );
      if (typeof body !== "string" || !body.startsWith("<!doctype html>"))
        throw new ContractViolation(`${where} answered ${status} with a page that is not an HTML document`);
      return;
    }
    if (listed.length > 0 && !listed.includes("application/json"))
      throw new ContractViolation(
        `${where} answered ${status} with JSON, not the ${listed.join(", ")} it lists`,
      );
    const schema = response.content?.["application/json"]?.schema;
    if (!schema) return;
    const validate = this.validatorFor(`${where} ${status}`, schema);
    if (!validate(body)) {
      const problems = this.ajv.errorsText(validate.errors, { dataVar: "body", separator: "; " });
      throw new ContractViolation(`${where} answered ${status} with a body off contract: ${problems}`);
    }
  }
}
