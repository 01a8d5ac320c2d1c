import type { FilesAccess } from "@hearth/domain";
import { Aws } from "aws-cdk-lib";
import * as iam from "aws-cdk-lib/aws-iam";
import type { EnvironmentConfig } from "../config.js";
import { acknowledgeNag } from "../nag.js";
import { attachmentsBucketName } from "../stacks/data-stack.js";
import type { FilesBucketLink, LinkedFunction } from "./function-links.js";

/**
 * The files bucket (attachments, profile photos, exports; in the Data stack), by name: its name
 * is fixed per environment, so the functions' stacks need no reference to it. A presigned URL
 * carries its signer's rights, so every grant is the declared actions on one key prefix.
 */
export class FilesBucketAccess implements FilesBucketLink {
  readonly bucketName: string;

  constructor(private readonly config: EnvironmentConfig) {
    this.bucketName = attachmentsBucketName(config);
  }

  grant(fn: LinkedFunction, access: FilesAccess): void {
    const objectActions = access.actions.filter((action) => action !== "s3:ListBucket");
    if (objectActions.length) {
      fn.function.addToRolePolicy(
        new iam.PolicyStatement({
          actions: objectActions,
          resources: [`arn:${Aws.PARTITION}:s3:::${this.bucketName}/${access.prefix}*`],
        }),
      );
      acknowledgeNag(fn.role, [
        {
          // How cdk-nag prints the object ARN above (the name's account and region are tokens).
          id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::hearth-${this.config.name}-attachments-<AWS::AccountId>-<AWS::Region>/${access.prefix}*]`,
          reason: access.reason,
        },
      ]);
    }
    if (access.actions.includes("s3:ListBucket")) {
      fn.function.addToRolePolicy(
        new iam.PolicyStatement({
          actions: ["s3:ListBucket"],
          resources: [`arn:${Aws.PARTITION}:s3:::${this.bucketName}`],
          conditions: { StringLike: { "s3:prefix": [`${access.prefix}*`] } },
        }),
      );
    }
  }
}
