import createClient, { type Client, type MaybeOptionalInit, type MethodResponse } from "openapi-fetch";
import type { HttpMethod, PathsWithMethod, RequiredKeysOf } from "openapi-typescript-helpers";
import type { components, operations, paths } from "./api-types.js";

export type { components, operations, paths };
/** The API's named JSON shapes: `Schemas["Comment"]`, `Schemas["ConversationPage"]`, … */
export type Schemas = components["schemas"];
/** Every `error.code` the API documents. */
export type ApiErrorCode = Schemas["Error"]["error"]["code"];

/** A non-2xx answer, with its status and the API's `error.code` and message. */
export class HearthApiError extends Error {
  override readonly name = "HearthApiError";
  constructor(
    readonly status: number,
    readonly code: ApiErrorCode | "UNEXPECTED_RESPONSE",
    message: string,
  ) {
    super(message);
  }

  /** From a failed response's body: `{"error":{"code","message"}}`, or else UNEXPECTED_RESPONSE. */
  static from(status: number, body: unknown): HearthApiError {
    const error = (body as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
    if (typeof error?.code === "string" && typeof error.message === "string") {
      return new HearthApiError(status, error.code as ApiErrorCode, error.message);
    }
    return new HearthApiError(status, "UNEXPECTED_RESPONSE", `HTTP ${status} without an API error body`);
  }
}

export interface HearthClientOptions {
  /** The API's base URL (the stack output `ApiUrl`). */
  apiUrl: string;
  /**
   * The signed-in user's current Cognito ID token (not the access token), asked for before
   * every request, so a frontend can refresh it here; undefined sends no `Authorization`.
   */
  idToken: () => Promise<string | undefined>;
  /** Defaults to the global `fetch` (browsers, Node 20+). */
  fetch?: typeof fetch;
}

type InitParam<Init> = RequiredKeysOf<Init> extends never ? [Init?] : [Init];
type Method = Extract<HttpMethod, "get" | "post" | "put" | "delete">;
/** One HTTP method of the API: path and options typed from the document, resolving to the success body. */
type DataMethod<M extends Method> = <
  Path extends PathsWithMethod<paths, M>,
  Init extends MaybeOptionalInit<paths[Path], M>,
>(
  path: Path,
  ...init: InitParam<Init>
) => Promise<MethodResponse<Client<paths>, M, Path, Init>>;

export interface HearthClient {
  GET: DataMethod<"get">;
  POST: DataMethod<"post">;
  PUT: DataMethod<"put">;
  DELETE: DataMethod<"delete">;
  /** The underlying openapi-fetch client (answers `{data, error, response}` instead of throwing). */
  raw: Client<paths>;
}

/**
 * The typed Hearth client: `await hearth.GET("/comments/{itemId}", { params: { path: { itemId } } })`
 * resolves to the page of comments or rejects with a `HearthApiError`. Path parameters are
 * percent-encoded for you (`/2015/christmas` travels as `%2F2015%2Fchristmas`).
 */
export function createHearthClient(options: HearthClientOptions): HearthClient {
  const raw = createClient<paths>({
    baseUrl: options.apiUrl.replace(/\/+$/, ""),
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
  raw.use({
    async onRequest({ request }) {
      const token = await options.idToken();
      if (token) request.headers.set("Authorization", `Bearer ${token}`);
      return request;
    },
  });
  const call = <M extends Method>(method: Uppercase<M>): DataMethod<M> =>
    // openapi-fetch's own method signature, resolved to its data or rejected with the API error.
    (async (path: string, init?: Record<string, unknown>) => {
      const send = raw[method] as (
        path: string,
        init?: Record<string, unknown>,
      ) => Promise<{ data?: unknown; error?: unknown; response: Response }>;
      const { data, error, response } = await send(path, init);
      if (error !== undefined || !response.ok) throw HearthApiError.from(response.status, error);
      return data;
    }) as DataMethod<M>;
  return { GET: call("GET"), POST: call("POST"), PUT: call("PUT"), DELETE: call("DELETE"), raw };
}
