import type { Readable } from "node:stream";
import type { S3Client } from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import { filesBucketFromEnv } from "../s3-client.js";

/** Where export documents are written; the S3 implementation streams them as a multipart upload. */
export interface ExportObjects {
  /** Writes `body` to `key` as it is read (never whole in memory); rejects if any part fails. */
  putStream(key: string, body: Readable, contentType: string): Promise<void>;
}

/** 5 MiB parts (S3's smallest), one at a time: the export worker holds about one part in memory. */
const PART_SIZE = 5 * 1024 * 1024;

export function s3ExportObjects(client: S3Client, bucket: string): ExportObjects {
  return {
    async putStream(key, body, contentType) {
      // lib-storage aborts the multipart upload when the body or a part fails.
      await new Upload({
        client,
        params: { Bucket: bucket, Key: key, Body: body, ContentType: contentType },
        partSize: PART_SIZE,
        queueSize: 1,
      }).done();
    },
  };
}

export function exportObjectsFromEnv(env: NodeJS.ProcessEnv = process.env): ExportObjects {
  const { client, bucket } = filesBucketFromEnv(env);
  return s3ExportObjects(client, bucket);
}
