import {
  IdempotencyAlreadyInProgressError,
  IdempotencyConfig,
  IdempotencyPersistenceLayerError,
  IdempotencyValidationError,
  makeIdempotent,
} from "@aws-lambda-powertools/idempotency";
import type { BasePersistenceLayer } from "@aws-lambda-powertools/idempotency/persistence";
import { toDomainError } from "@hearth/domain";
import type { APIGatewayProxyEvent, Context } from "aws-lambda";
import { badRequest, HttpError } from "./errors.js";
import { headerValue } from "./request.js";
import type { ApiResult } from "./route-handler.js";

/** The request header a client names a POST with, so that a retry of it is answered, not redone. */
const IDEMPOTENCY_KEY_HEADER = "Idempotency-Key";
export const MAX_IDEMPOTENCY_KEY_LENGTH = 255;
/** How long a POST's first successful response is kept for its retries. */
const IDEMPOTENT_RESPONSE_SECONDS = 24 * 60 * 60;
/** Record ids of the API start with this, apart from the stream processors' in the same table. */
export const API_IDEMPOTENCY_KEY_PREFIX = "hearth-api";
/** Set on a response that is the stored answer to an earlier request with the same key. */
export const IDEMPOTENT_REPLAY_HEADER = "Idempotent-Replayed";

// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what is refused
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]/;

/** The `Idempotency-Key` header, if sent: 1–255 characters without control characters, else 400. */
export function idempotencyKeyFrom(event: APIGatewayProxyEvent): string | undefined {
  const key = headerValue(event, IDEMPOTENCY_KEY_HEADER);
  if (key === undefined) return undefined;
  if (key.trim() === "" || key.length > MAX_IDEMPOTENCY_KEY_LENGTH || CONTROL_CHARACTERS.test(key)) {
    throw badRequest(
      `The ${IDEMPOTENCY_KEY_HEADER} header must be 1 to ${MAX_IDEMPOTENCY_KEY_LENGTH} printable characters`,
    );
  }
  return key;
}

/** What makes one POST the same as another: who, which route, which key; and what it asked. */
export interface IdempotentRequest {
  callerId: string;
  /** `POST /comments/{itemId}`. */
  route: string;
  key: string;
  /** Path parameters, query and body: a retry must repeat them exactly. */
  request: {
    pathParameters: Record<string, string | undefined> | null;
    query: Record<string, string | undefined> | null;
    body: unknown;
  };
}

/** The stored answer: the status and the body exactly as first sent. */
type StoredResponse = {
  statusCode: ApiResult["statusCode"];
  bodyJson: string;
  replayed?: boolean;
};

export interface IdempotentOutcome {
  result: ApiResult;
  /** True when this is the stored answer of an earlier request, not a new run. */
  replayed: boolean;
}

/** The body as the retry compares it: parsed JSON (key order and spacing do not matter), else the text. */
export function comparableBody(body: string | undefined): unknown {
  if (body === undefined) return null;
  try {
    return JSON.parse(body);
  } catch {
    return body;
  }
}

/**
 * Idempotent POSTs on Powertools idempotency: the first successful (2xx) response of a
 * (caller, route, key) is stored for 24 hours and replayed to a retry of the same request;
 * the same key with another request is 422, and a retry while the first still runs is 409.
 * A failed request stores nothing, so its retry runs again. The caller's id is part of the
 * hashed record id, so nobody's key can reach anyone else's response.
 */
export class ApiIdempotency {
  constructor(
    /** The store of one caller's records (a new one per request). */
    private readonly storeOf: (callerId: string) => BasePersistenceLayer,
    private readonly expiresAfterSeconds = IDEMPOTENT_RESPONSE_SECONDS,
  ) {}

  async run(
    request: IdempotentRequest,
    context: Context,
    work: () => Promise<ApiResult>,
  ): Promise<IdempotentOutcome> {
    // One config per request: it carries this invocation's deadline, after which an
    // unfinished (crashed or timed-out) first attempt no longer blocks a retry.
    const config = new IdempotencyConfig({
      eventKeyJmesPath: "key",
      payloadValidationJmesPath: "request",
      throwOnNoIdempotencyKey: true,
      expiresAfterSeconds: this.expiresAfterSeconds,
      responseHook: (response) => ({ ...(response as unknown as StoredResponse), replayed: true }),
    });
    config.registerLambdaContext(context);
    const once = makeIdempotent(
      async (_payload: { key: unknown; request: unknown }): Promise<StoredResponse> => {
        const result = await work();
        return { statusCode: result.statusCode, bodyJson: JSON.stringify(result.body ?? null) };
      },
      { persistenceStore: this.storeOf(request.callerId), config, keyPrefix: API_IDEMPOTENCY_KEY_PREFIX },
    );
    let stored: StoredResponse;
    try {
      stored = await once({
        key: { callerId: request.callerId, route: request.route, key: request.key },
        request: request.request,
      });
    } catch (error) {
      throw toIdempotencyHttpError(error);
    }
    return {
      result: { statusCode: stored.statusCode, body: JSON.parse(stored.bodyJson) },
      replayed: stored.replayed === true,
    };
  }
}

/** Powertools' refusals as the API's answers; its store failing as the database error it is. */
function toIdempotencyHttpError(error: unknown): unknown {
  if (error instanceof IdempotencyValidationError) {
    return new HttpError(
      422,
      "IDEMPOTENCY_KEY_REUSED",
      `This ${IDEMPOTENCY_KEY_HEADER} was already used for a different request; use a new key for a new request`,
    );
  }
  if (error instanceof IdempotencyAlreadyInProgressError) {
    return new HttpError(
      409,
      "REQUEST_IN_PROGRESS",
      `A request with this ${IDEMPOTENCY_KEY_HEADER} is still being processed; retry shortly`,
      { "Retry-After": "1" },
    );
  }
  if (error instanceof IdempotencyPersistenceLayerError) return toDomainError(error.cause);
  return error;
}
