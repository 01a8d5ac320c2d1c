import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GetObjectCommand, S3Client } from "@aws-sdk/client-s3";
import S3rver from "s3rver";
import { afterAll, beforeAll } from "vitest";

export interface LocalS3 {
  client: S3Client;
  bucket: string;
  endpoint: string;
  /** The object's body as text, or undefined when there is none. */
  read(key: string): Promise<string | undefined>;
}

/** A real local S3 engine (s3rver, as the local stack runs) with one bucket, for this file's tests. */
export function useLocalS3(bucket = "hearth-test-files"): () => LocalS3 {
  let server: S3rver | undefined;
  let directory: string | undefined;
  let s3: LocalS3 | undefined;
  beforeAll(async () => {
    directory = mkdtempSync(join(tmpdir(), "hearth-s3rver-"));
    server = new S3rver({
      address: "127.0.0.1",
      port: 0,
      directory,
      silent: true,
      vhostBuckets: false,
      configureBuckets: [{ name: bucket }],
    });
    const { port } = await server.run();
    const endpoint = `http://127.0.0.1:${port}`;
    const client = new S3Client({
      endpoint,
      forcePathStyle: true,
      region: "us-east-1",
      credentials: { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" },
    });
    s3 = {
      client,
      bucket,
      endpoint,
      async read(key) {
        try {
          const output = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
          return await output.Body?.transformToString("utf8");
        } catch (error) {
          if ((error as { name?: string }).name === "NoSuchKey") return undefined;
          throw error;
        }
      },
    };
  });
  afterAll(async () => {
    s3?.client.destroy();
    await server?.close();
    if (directory) rmSync(directory, { recursive: true, force: true });
  });
  return () => {
    if (!s3) throw new Error("The local S3 is not ready");
    return s3;
  };
}
