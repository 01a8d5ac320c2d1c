import { ListObjectsV2Command, type S3Client } from "@aws-sdk/client-s3";
import { deleteObjectKeys } from "../attachments/s3-objects.js";

/** Where a member's data exports are stored in the files bucket. */
export function exportPrefixOf(userId: string): string {
  return `exports/${userId}/`;
}

/** A member's export objects, as the account deletion sees them. */
export interface MemberExports {
  /** Deletes every export object of the member; returns how many there were. */
  deleteAllOf(userId: string): Promise<number>;
}

/** Export objects under `exports/{userId}/`: listed a page at a time, each page deleted with DeleteObjects. */
export function s3MemberExports(client: S3Client, bucket: string): MemberExports {
  return {
    async deleteAllOf(userId) {
      let deleted = 0;
      let continuationToken: string | undefined;
      do {
        const page = await client.send(
          new ListObjectsV2Command({
            Bucket: bucket,
            Prefix: exportPrefixOf(userId),
            ContinuationToken: continuationToken,
          }),
        );
        const keys = (page.Contents ?? []).flatMap((object) => (object.Key ? [object.Key] : []));
        await deleteObjectKeys(client, bucket, keys);
        deleted += keys.length;
        continuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (continuationToken);
      return deleted;
    },
  };
}
