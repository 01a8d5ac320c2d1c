import { defaultProvider } from "@aws-sdk/credential-provider-node";
import { S3RequestPresigner } from "@aws-sdk/s3-request-presigner";
import { ConfigurationError, isProductionStage } from "@hearth/domain";
import { Sha256 } from "@smithy/core/checksum";
import { buildQueryString } from "@smithy/core/protocols";

type Credentials = ConstructorParameters<typeof S3RequestPresigner>[0]["credentials"];

export interface S3SignerOptions {
  region: string;
  /** A key pair or a provider (the SDK's default chain in AWS). */
  credentials: Credentials;
  /** Only for a local S3 (s3rver), addressed path-style; AWS uses virtual-hosted URLs. */
  endpoint?: string | undefined;
}

export interface PresignPutInput {
  bucket: string;
  key: string;
  contentType: string;
  contentLength: number;
  expiresInSeconds: number;
}

/** S3's key encoding: each segment URI-encoded, `!'()*` as well, `/` kept. */
function encodeKey(key: string): string {
  return key
    .split("/")
    .map((segment) =>
      encodeURIComponent(segment).replace(
        /[!'()*]/g,
        (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
      ),
    )
    .join("/");
}

/**
 * Presigns S3 PUT URLs offline with SigV4 (the SDK's S3 presigner), without the whole S3
 * client: the same URL `getSignedUrl(new S3Client(…), new PutObjectCommand(…))` gives, less
 * its `x-id` marker, in a fraction of the bundle.
 */
export class S3UploadSigner {
  private readonly presigner: S3RequestPresigner;

  constructor(private readonly options: S3SignerOptions) {
    this.presigner = new S3RequestPresigner({
      region: options.region,
      credentials: options.credentials,
      sha256: Sha256,
    });
  }

  async presignPut(input: PresignPutInput): Promise<string> {
    const pathStyle = this.options.endpoint !== undefined;
    const base = new URL(this.options.endpoint ?? `https://s3.${this.options.region}.amazonaws.com`);
    const basePath = base.pathname.replace(/\/+$/, "");
    const signed = await this.presigner.presign(
      {
        method: "PUT",
        protocol: base.protocol,
        hostname: pathStyle ? base.hostname : `${input.bucket}.${base.hostname}`,
        port: base.port ? Number(base.port) : undefined,
        path: `${basePath}${pathStyle ? `/${input.bucket}` : ""}/${encodeKey(input.key)}`,
        query: {},
        headers: { "content-type": input.contentType, "content-length": String(input.contentLength) },
      },
      {
        expiresIn: input.expiresInSeconds,
        // Signed, so the upload must be exactly the declared type and size.
        signableHeaders: new Set(["content-type", "content-length"]),
      },
    );
    const port = signed.port ? `:${signed.port}` : "";
    return `${signed.protocol}//${signed.hostname}${port}${signed.path}?${buildQueryString(signed.query ?? {})}`;
  }
}

/** What the areas that presign attachment uploads need on top of the base dependencies. */
export interface UploadDependencies {
  /** Signs attachment upload URLs (presigning is offline: no S3 call is made). */
  s3: S3UploadSigner;
  attachmentsBucket: string;
}

export interface S3Config {
  stage: string;
  /** Only for a local S3 (s3rver); undefined in AWS. */
  endpoint?: string | undefined;
  region?: string | undefined;
  accessKeyId?: string | undefined;
  secretAccessKey?: string | undefined;
}

export function s3ConfigFromEnv(env: NodeJS.ProcessEnv = process.env): S3Config {
  return {
    stage: env.STAGE ?? env.NODE_ENV ?? "dev",
    endpoint: env.S3_ENDPOINT || undefined,
    region: env.AWS_REGION || env.AWS_DEFAULT_REGION || undefined,
    accessKeyId: env.AWS_ACCESS_KEY_ID || undefined,
    secretAccessKey: env.AWS_SECRET_ACCESS_KEY || undefined,
  };
}

/**
 * Signer options: the SDK's default credential chain in AWS; a local S3 only when
 * configured, never in production, with s3rver's key pair unless the environment names one.
 */
export function s3SignerOptions(config: S3Config): S3SignerOptions {
  if (!config.endpoint) {
    if (!config.region) throw new ConfigurationError("AWS_REGION must be set to sign upload URLs");
    return { region: config.region, credentials: defaultProvider() };
  }
  if (isProductionStage(config.stage)) {
    throw new ConfigurationError(
      `Refusing to start: S3_ENDPOINT (${config.endpoint}) is set in the production stage "${config.stage}". ` +
        "A local endpoint is only for development and tests; unset it in production.",
    );
  }
  return {
    endpoint: config.endpoint,
    region: config.region ?? "us-east-1",
    credentials: {
      accessKeyId: config.accessKeyId ?? "S3RVER",
      secretAccessKey: config.secretAccessKey ?? "S3RVER",
    },
  };
}

/**
 * The upload dependencies from the environment: `ATTACHMENTS_BUCKET`, `STAGE`,
 * `S3_ENDPOINT` (local only) and `AWS_REGION`.
 */
export function uploadDependenciesFromEnv(env: NodeJS.ProcessEnv = process.env): UploadDependencies {
  const attachmentsBucket = env.ATTACHMENTS_BUCKET;
  if (!attachmentsBucket) throw new ConfigurationError("ATTACHMENTS_BUCKET must be set");
  return { s3: new S3UploadSigner(s3SignerOptions(s3ConfigFromEnv(env))), attachmentsBucket };
}
