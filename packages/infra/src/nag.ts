import { Validations } from "aws-cdk-lib";
import cdkNag from "cdk-nag";
import type { IConstruct } from "constructs";

// cdk-nag's CommonJS exports are invisible to Node's ESM named-import detection; take them off the default export.
export const { AwsSolutionsChecks } = cdkNag;

export interface NagAcknowledgement {
  /** A rule id (`AwsSolutions-S1`) or one finding of it (`AwsSolutions-IAM5[Resource::*]`). */
  id: string;
  reason: string;
}

/** Acknowledges cdk-nag findings on `scope` and everything under it, each with its reason. */
export function acknowledgeNag(scope: IConstruct, acknowledgements: NagAcknowledgement[]): void {
  for (const acknowledgement of acknowledgements) Validations.of(scope).acknowledge(acknowledgement);
}
