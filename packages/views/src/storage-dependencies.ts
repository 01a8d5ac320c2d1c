import { fromEnv } from "@aws-sdk/credential-provider-env";
import {
  ConfigurationError,
  LOCAL_ENDPOINT_ENV,
  LOCAL_S3_REGION,
  localEndpoint,
  localS3Credentials,
  photoHostsFromEnv,
  regionFromEnv,
  stageFromEnv,
} from "@hearth/domain";
import { Hash } from "@smithy/hash-node";
import { type BucketLocation, ObjectUrlSigner } from "./object-urls.js";
import { createPhotoUrls, type PhotoUrls } from "./photos.js";

/**
 * What the areas use on top of the base dependencies to hand out the files bucket's
 * objects: presigned uploads and downloads of attachments, and profile photos served as
 * presigned GETs. Presigning is offline (no S3 call) and needs no S3 client.
 */
export interface StorageDependencies {
  /** Signs PUT and GET URLs of the files bucket (attachments and profile photos). */
  objectUrls: ObjectUrlSigner;
  /** Turns a stored profile photo (an uploaded key or an external URL) into a URL a browser can load. */
  photos: PhotoUrls;
}

export interface S3Config {
  stage: string;
  bucket: string;
  /** Only for a local S3 (s3rver); undefined in AWS. */
  endpoint?: string | undefined;
  region?: string | undefined;
  accessKeyId?: string | undefined;
  secretAccessKey?: string | undefined;
}

export function s3ConfigFromEnv(env: NodeJS.ProcessEnv = process.env): S3Config {
  const bucket = env.ATTACHMENTS_BUCKET;
  if (!bucket) throw new ConfigurationError("ATTACHMENTS_BUCKET must be set");
  return {
    stage: stageFromEnv(env),
    bucket,
    endpoint: env[LOCAL_ENDPOINT_ENV.s3]?.trim() || undefined,
    region: regionFromEnv(env),
    accessKeyId: env.AWS_ACCESS_KEY_ID || undefined,
    secretAccessKey: env.AWS_SECRET_ACCESS_KEY || undefined,
  };
}

/**
 * The signer of the files bucket. In AWS it signs with the function's role credentials
 * (Lambda puts them in the environment) in the function's region; a local endpoint is
 * refused in production, like DynamoDB's.
 */
export function createObjectUrlSigner(config: S3Config): ObjectUrlSigner {
  const sha256 = Hash.bind(null, "sha256");
  const endpoint = localEndpoint(config.stage, LOCAL_ENDPOINT_ENV.s3, config.endpoint);
  if (!endpoint) {
    if (!config.region) throw new ConfigurationError("AWS_REGION must be set to sign S3 URLs");
    const location: BucketLocation = { bucket: config.bucket, region: config.region };
    return new ObjectUrlSigner(location, { credentials: fromEnv(), sha256 });
  }
  const location: BucketLocation = {
    bucket: config.bucket,
    region: config.region ?? LOCAL_S3_REGION,
    endpoint,
  };
  const credentials = localS3Credentials({
    AWS_ACCESS_KEY_ID: config.accessKeyId,
    AWS_SECRET_ACCESS_KEY: config.secretAccessKey,
  });
  return new ObjectUrlSigner(location, { credentials, sha256 });
}

/**
 * The storage dependencies from the environment: `ATTACHMENTS_BUCKET`, `STAGE`,
 * `S3_ENDPOINT` (local only), `AWS_REGION` and the credentials Lambda provides.
 */
export function storageDependenciesFromEnv(env: NodeJS.ProcessEnv = process.env): StorageDependencies {
  const objectUrls = createObjectUrlSigner(s3ConfigFromEnv(env));
  return { objectUrls, photos: createPhotoUrls(objectUrls, undefined, photoHostsFromEnv(env)) };
}
