import { UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { isConditionFailure } from "../dynamo/conditions.js";
import { toDomainError } from "../errors.js";
import { Repository } from "./context.js";

/**
 * A photo upload a profile just took, still tagged pending in the files bucket: the profile
 * row's mark (set by `ProfilesRepository.upsert`) appearing on the UserProfiles stream makes
 * the attachments processor retag the object as kept, which then clears the mark. The API
 * needs no S3 client for it.
 */
export const UNCONFIRMED_PHOTO_KEY = "unconfirmedPhotoKey";

/** The photo marks of profile rows, on their own so the attachments processor carries no profile code. */
export class PhotoMarksRepository extends Repository {
  /**
   * Clears the mark of a photo whose upload has been retagged as kept, if the mark still names
   * that key (a newer photo keeps its own mark). Never writes on a tombstone or a missing row.
   */
  async confirm(userId: string, photoKey: string): Promise<boolean> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tables.UserProfiles,
          Key: { userId },
          UpdateExpression: "REMOVE #mark",
          ConditionExpression: "#mark = :key",
          ExpressionAttributeNames: { "#mark": UNCONFIRMED_PHOTO_KEY },
          ExpressionAttributeValues: { ":key": photoKey },
        }),
      );
      return true;
    } catch (error) {
      const domainError = toDomainError(error);
      if (isConditionFailure(domainError)) return false;
      throw domainError;
    }
  }
}
