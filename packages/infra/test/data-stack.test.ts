import { TABLE_SPECS, type TableSpec } from "@hearth/domain";
import { Match } from "aws-cdk-lib/assertions";
import { describe, expect, it } from "vitest";
import { ENVIRONMENT_NAMES, fixtureConfig } from "../src/config.js";
import { resourcesOf, synthesize } from "./helpers.js";

describe.each(ENVIRONMENT_NAMES)("the %s environment", (envName) => {
  const config = fixtureConfig(envName);
  const env = synthesize(envName);

  describe("tables", () => {
    it("keeps the in-app feed in a Notifications table keyed by member and time-sorted id, with a TTL", () => {
      env.data.hasResourceProperties("AWS::DynamoDB::Table", {
        KeySchema: [
          { AttributeName: "userId", KeyType: "HASH" },
          { AttributeName: "notificationId", KeyType: "RANGE" },
        ],
        TimeToLiveSpecification: { AttributeName: "expiresAt", Enabled: true },
      });
    });

    it("creates exactly one table per table spec", () => {
      env.data.resourceCountIs("AWS::DynamoDB::Table", TABLE_SPECS.length);
    });

    it.each(TABLE_SPECS as readonly TableSpec[])(
      "$name has the spec's keys, indexes, stream and TTL",
      (spec) => {
        const keySchema = [
          { AttributeName: spec.partitionKey.name, KeyType: "HASH" },
          ...(spec.sortKey ? [{ AttributeName: spec.sortKey.name, KeyType: "RANGE" }] : []),
        ];
        const indexes = (spec.globalSecondaryIndexes ?? []).map((index) => ({
          IndexName: index.indexName,
          KeySchema: [
            { AttributeName: index.partitionKey.name, KeyType: "HASH" },
            ...(index.sortKey ? [{ AttributeName: index.sortKey.name, KeyType: "RANGE" }] : []),
          ],
          Projection:
            index.projection.type === "INCLUDE"
              ? { ProjectionType: "INCLUDE", NonKeyAttributes: index.projection.attributes }
              : { ProjectionType: index.projection.type },
        }));
        env.data.hasResource("AWS::DynamoDB::Table", {
          Properties: {
            KeySchema: keySchema,
            BillingMode: "PAY_PER_REQUEST",
            GlobalSecondaryIndexes: indexes.length ? indexes : Match.absent(),
            StreamSpecification: spec.stream ? { StreamViewType: spec.stream } : Match.absent(),
            TimeToLiveSpecification: spec.timeToLiveAttribute
              ? { AttributeName: spec.timeToLiveAttribute, Enabled: true }
              : Match.absent(),
            // SSEEnabled means the AWS-managed KMS key (rather than the default AWS-owned one).
            SSESpecification: { SSEEnabled: true },
            PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
            DeletionProtectionEnabled: config.production,
          },
          DeletionPolicy: config.production ? "Retain" : "Delete",
          UpdateReplacePolicy: config.production ? "Retain" : "Delete",
        });
      },
    );
  });

  describe("attachments bucket", () => {
    it("is private, encrypted, TLS-only, logged, with CORS for exactly presigned PUT and GET from the allowed origins and a lifecycle", () => {
      env.data.hasResourceProperties("AWS::S3::Bucket", {
        BucketName: Match.anyValue(),
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          BlockPublicPolicy: true,
          IgnorePublicAcls: true,
          RestrictPublicBuckets: true,
        },
        BucketEncryption: Match.objectLike({}),
        LoggingConfiguration: Match.objectLike({ DestinationBucketName: Match.anyValue() }),
        CorsConfiguration: {
          // PUT may send only the signed Content-Type and upload tag; GET sends no headers; nothing else is allowed.
          CorsRules: [
            {
              AllowedMethods: ["PUT"],
              AllowedOrigins: config.allowedOrigins,
              AllowedHeaders: ["Content-Type", "x-amz-tagging"],
              MaxAge: 3600,
            },
            { AllowedMethods: ["GET"], AllowedOrigins: config.allowedOrigins, MaxAge: 3600 },
          ],
        },
        LifecycleConfiguration: {
          Rules: Match.arrayWith([
            Match.objectLike({ AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 } }),
            // Uploads no message references (still tagged pending) go after a day.
            {
              Id: "ExpirePendingUploads",
              Status: "Enabled",
              TagFilters: [{ Key: "hearth-upload", Value: "pending" }],
              ExpirationInDays: 1,
            },
            // Data exports are removed a week after they were written.
            Match.objectLike({ Prefix: "exports/", ExpirationInDays: 7, Status: "Enabled" }),
          ]),
        },
      });
      const policies = Object.values(resourcesOf(env.data, "AWS::S3::BucketPolicy"));
      expect(policies).toHaveLength(2);
      for (const policy of policies) {
        expect(JSON.stringify(policy.Properties.PolicyDocument)).toContain('"aws:SecureTransport":"false"');
      }
    });
  });

  describe("attachments versions", () => {
    const attachments = () =>
      Object.values(resourcesOf(env.data, "AWS::S3::Bucket")).find((b) => b.Properties.CorsConfiguration)!;

    it(
      config.production
        ? "keeps previous versions in production, for 30 days"
        : "keeps no previous versions outside production",
      () => {
        const bucket = attachments().Properties;
        const rules = (bucket.LifecycleConfiguration as { Rules: Record<string, unknown>[] }).Rules;
        const noncurrent = rules.filter((rule) => rule.NoncurrentVersionExpiration);
        if (config.production) {
          expect(bucket.VersioningConfiguration).toEqual({ Status: "Enabled" });
          expect(noncurrent).toEqual([
            expect.objectContaining({
              NoncurrentVersionExpiration: { NoncurrentDays: 30 },
              Status: "Enabled",
            }),
          ]);
        } else {
          expect(bucket.VersioningConfiguration).toBeUndefined();
          expect(noncurrent).toEqual([]);
        }
      },
    );
  });
});
