import { ATTACHMENT_CORS_MAX_AGE_SECONDS, ATTACHMENT_CORS_RULES } from "@hearth/api-handlers";
import {
  EXPORT_KEY_PREFIX,
  EXPORT_RETENTION_DAYS,
  PENDING_UPLOAD_EXPIRY_DAYS,
  type AttributeType as SpecAttributeType,
  TABLE_SPECS,
  type TableName,
  type TableSpec,
  UPLOAD_STATE_TAG,
  UPLOAD_STATES,
} from "@hearth/domain";
import { Aws, Duration, Stack, type StackProps } from "aws-cdk-lib";
import * as dynamodb from "aws-cdk-lib/aws-dynamodb";
import * as s3 from "aws-cdk-lib/aws-s3";
import type { Construct } from "constructs";
import { type EnvironmentConfig, removalPolicyOf } from "../config.js";
import { acknowledgeNag } from "../nag.js";

export interface DataStackProps extends StackProps {
  config: EnvironmentConfig;
}

const attributeTypes: Record<SpecAttributeType, dynamodb.AttributeType> = {
  S: dynamodb.AttributeType.STRING,
  N: dynamodb.AttributeType.NUMBER,
};

function attribute(key: { name: string; type: SpecAttributeType }): dynamodb.Attribute {
  return { name: key.name, type: attributeTypes[key.type] };
}

/**
 * The attachments bucket's name, fixed per environment, account and region so the app stack
 * can scope the upload grant to `attachments/*` by name (readable, and stable for cdk-nag).
 */
export function attachmentsBucketName(config: EnvironmentConfig): string {
  return `hearth-${config.name}-attachments-${Aws.ACCOUNT_ID}-${Aws.REGION}`;
}

/** How long production keeps an overwritten or deleted attachment's previous version. */
const NONCURRENT_VERSION_DAYS = 30;

/** The stateful part: one table per domain table spec, and the attachments bucket. */
export class DataStack extends Stack {
  readonly tables: Record<TableName, dynamodb.Table>;
  readonly attachmentsBucket: s3.Bucket;

  constructor(scope: Construct, id: string, props: DataStackProps) {
    super(scope, id, props);
    const { config } = props;
    const removalPolicy = removalPolicyOf(config);

    this.tables = Object.fromEntries(
      (TABLE_SPECS as readonly TableSpec[]).map((spec) => [spec.name, this.createTable(spec, config)]),
    ) as Record<TableName, dynamodb.Table>;

    const accessLogs = new s3.Bucket(this, "AccessLogs", {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      removalPolicy,
      // Access logs live as long as the environment's other logs.
      lifecycleRules: [{ id: "ExpireLogs", expiration: Duration.days(config.logRetention) }],
    });
    acknowledgeNag(accessLogs, [
      {
        id: "AwsSolutions-S1",
        reason: "This is the server access log bucket itself; logging it into itself would loop.",
      },
    ]);

    this.attachmentsBucket = new s3.Bucket(this, "Attachments", {
      bucketName: attachmentsBucketName(config),
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      serverAccessLogsBucket: accessLogs,
      serverAccessLogsPrefix: "attachments/",
      removalPolicy,
      // Production keeps what a bug or a mistaken delete overwrote, for 30 days.
      versioned: config.production,
      // Browsers upload attachments straight to S3 with presigned PUTs and fetch them with GETs.
      cors: ATTACHMENT_CORS_RULES.map((rule) => ({
        allowedMethods: rule.allowedMethods.map((method) => s3.HttpMethods[method]),
        allowedOrigins: config.allowedOrigins,
        ...(rule.allowedHeaders.length ? { allowedHeaders: [...rule.allowedHeaders] } : {}),
        maxAge: ATTACHMENT_CORS_MAX_AGE_SECONDS,
      })),
      lifecycleRules: [
        { id: "AbortIncompleteUploads", abortIncompleteMultipartUploadAfter: Duration.days(1) },
        // An upload no message or profile references keeps the tag its presigned PUT set (the
        // processor retags sent ones), and goes after a day: attachments and photos alike.
        {
          id: "ExpirePendingUploads",
          tagFilters: { [UPLOAD_STATE_TAG]: UPLOAD_STATES.pending },
          expiration: Duration.days(PENDING_UPLOAD_EXPIRY_DAYS),
        },
        // A member's data export is a copy to download, not an archive: it goes after a week.
        { id: "ExpireExports", prefix: EXPORT_KEY_PREFIX, expiration: Duration.days(EXPORT_RETENTION_DAYS) },
        ...(config.production
          ? [
              {
                id: "ExpireOverwrittenVersions",
                noncurrentVersionExpiration: Duration.days(NONCURRENT_VERSION_DAYS),
                expiredObjectDeleteMarker: true,
              },
            ]
          : []),
        {
          id: "TierOldAttachments",
          transitions: [
            {
              storageClass: s3.StorageClass.INTELLIGENT_TIERING,
              transitionAfter: config.attachmentsTieringAfter,
            },
          ],
        },
      ],
    });
  }

  private createTable(spec: TableSpec, config: EnvironmentConfig): dynamodb.Table {
    const table = new dynamodb.Table(this, spec.name, {
      partitionKey: attribute(spec.partitionKey),
      sortKey: spec.sortKey ? attribute(spec.sortKey) : undefined,
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      stream: spec.stream ? dynamodb.StreamViewType[spec.stream] : undefined,
      timeToLiveAttribute: spec.timeToLiveAttribute,
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: config.production,
      removalPolicy: removalPolicyOf(config),
    });
    for (const index of spec.globalSecondaryIndexes ?? []) {
      const projection = index.projection;
      table.addGlobalSecondaryIndex({
        indexName: index.indexName,
        partitionKey: attribute(index.partitionKey),
        sortKey: index.sortKey ? attribute(index.sortKey) : undefined,
        projectionType: dynamodb.ProjectionType[projection.type],
        nonKeyAttributes: projection.type === "INCLUDE" ? projection.attributes : undefined,
      });
    }
    return table;
  }
}
