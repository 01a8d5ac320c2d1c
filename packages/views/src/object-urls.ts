import { S3RequestPresigner } from "@aws-sdk/s3-request-presigner";

/**
 * Presigned S3 URLs without the S3 client: the SDK's S3 presigner (SigV4 over
 * `@smithy/signature-v4`) signs a request we describe ourselves, which keeps every API
 * bundle small and makes no network call. A presigned URL carries the signer's own
 * permissions, so each function is granted exactly the actions and prefixes it signs for.
 */
export interface BucketLocation {
  bucket: string;
  region: string;
  /** A local S3 (s3rver), addressed path-style; undefined in AWS (virtual-hosted style). */
  endpoint?: string | undefined;
}

type Presigner = Pick<S3RequestPresigner, "presign">;
type PresignerOptions = ConstructorParameters<typeof S3RequestPresigner>[0];

export interface GetOptions {
  /** `Content-Type` S3 answers with, whatever the object was stored with. */
  responseContentType?: string;
  /** `Content-Disposition` S3 answers with (e.g. to make the browser save the file). */
  responseContentDisposition?: string;
  expiresIn: number;
  /** When the signature starts; by default now. */
  signingDate?: Date;
}

/** RFC 3986 percent-encoding, as S3's canonical URI and query expect (encodeURIComponent leaves !'()* alone). */
export function rfc3986(value: string): string {
  return encodeURIComponent(value).replace(
    /[!'()*]/g,
    (character) => `%${character.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

export class ObjectUrlSigner {
  private readonly presigner: Presigner;

  constructor(
    private readonly location: BucketLocation,
    presigner: Presigner | Omit<PresignerOptions, "region" | "service">,
  ) {
    this.presigner =
      "presign" in presigner
        ? presigner
        : new S3RequestPresigner({ ...presigner, region: location.region, service: "s3" });
  }

  get bucket(): string {
    return this.location.bucket;
  }

  private request(
    method: "GET" | "PUT",
    key: string,
    headers: Record<string, string>,
    query: Record<string, string>,
  ) {
    const encodedKey = key.split("/").map(rfc3986).join("/");
    const { bucket, region, endpoint } = this.location;
    if (endpoint) {
      const url = new URL(endpoint);
      return {
        method,
        protocol: url.protocol,
        hostname: url.hostname,
        port: url.port ? Number(url.port) : undefined,
        path: `${url.pathname.replace(/\/+$/, "")}/${rfc3986(bucket)}/${encodedKey}`,
        query,
        headers,
      };
    }
    return {
      method,
      protocol: "https:",
      hostname: `${bucket}.s3.${region}.amazonaws.com`,
      path: `/${encodedKey}`,
      query,
      headers,
    };
  }

  private async sign(
    request: ReturnType<ObjectUrlSigner["request"]>,
    options: Parameters<Presigner["presign"]>[1],
  ): Promise<string> {
    const signed = await this.presigner.presign({ ...request, headers: { ...request.headers } }, options);
    const query = Object.entries(signed.query ?? {})
      .flatMap(([name, value]) =>
        (Array.isArray(value) ? value : [value]).map(
          (one) => `${rfc3986(name)}=${rfc3986(String(one ?? ""))}`,
        ),
      )
      .join("&");
    const port = signed.port ? `:${signed.port}` : "";
    return `${signed.protocol}//${signed.hostname}${port}${signed.path}${query ? `?${query}` : ""}`;
  }

  /**
   * A PUT whose content type and length are signed: the upload must be exactly that type and
   * size. `extraHeaders` (lower-case names, e.g. `x-amz-tagging`) are signed too and kept as
   * headers rather than moved into the query, so the uploader must send them exactly.
   */
  presignPut(
    key: string,
    contentType: string,
    size: number,
    expiresIn: number,
    extraHeaders: Readonly<Record<string, string>> = {},
  ): Promise<string> {
    const headers = { ...extraHeaders, "content-type": contentType, "content-length": String(size) };
    const extraNames = Object.keys(extraHeaders);
    return this.sign(this.request("PUT", key, headers, {}), {
      expiresIn,
      signableHeaders: new Set(["content-type", "content-length", ...extraNames]),
      unhoistableHeaders: new Set(extraNames),
    });
  }

  /** A GET of one object, optionally telling S3 which type and disposition to answer with. */
  presignGet(key: string, options: GetOptions): Promise<string> {
    const query: Record<string, string> = {};
    if (options.responseContentDisposition) {
      query["response-content-disposition"] = options.responseContentDisposition;
    }
    if (options.responseContentType) query["response-content-type"] = options.responseContentType;
    return this.sign(this.request("GET", key, {}, query), {
      expiresIn: options.expiresIn,
      ...(options.signingDate ? { signingDate: options.signingDate } : {}),
    });
  }
}
