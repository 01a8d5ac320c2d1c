import { API_AREAS } from "@hearth/api-handlers";
import { PROCESSOR_NAMES, STREAM_SUBSCRIPTIONS, streamBatchingOf } from "@hearth/stream-processors";
import { describe, expect, it } from "vitest";
import { ENVIRONMENT_NAMES, fixtureConfig } from "../src/config.js";
import { FAILED_RECORDS_METRICS_ID } from "../src/constructs/stream-processors.js";
import {
  asArray,
  describeResource,
  failedRecordsId,
  functionStatements,
  logicalId,
  resourcesOf,
  s3Statements,
  synthesize,
} from "./helpers.js";

describe.each(ENVIRONMENT_NAMES)("the %s environment", (envName) => {
  const config = fixtureConfig(envName);
  const env = synthesize(envName);

  describe("streams", () => {
    const mappings = Object.values(resourcesOf(env.main, "AWS::Lambda::EventSourceMapping"));

    it("maps exactly the stream subscriptions", () => {
      expect(mappings).toHaveLength(STREAM_SUBSCRIPTIONS.length);
    });

    it.each(STREAM_SUBSCRIPTIONS)(
      "feeds $processor from $table with its filters, partial batch responses, bisect, bounded retries and an S3 on-failure destination",
      (subscription) => {
        const matching = mappings.filter(
          (m) =>
            (m.Properties.FunctionName as { Ref: string }).Ref ===
              env.functionLogicalIds[subscription.processor] &&
            describeResource(env, m.Properties.EventSourceArn) === `stream:${subscription.table}`,
        );
        expect(matching).toHaveLength(1);
        const mapping = matching[0]!.Properties;
        const batching = streamBatchingOf(subscription.processor);
        expect(mapping).toMatchObject({
          FilterCriteria: {
            Filters: subscription.filterPatterns.map((p) => ({ Pattern: JSON.stringify(p) })),
          },
          FunctionResponseTypes: ["ReportBatchItemFailures"],
          BisectBatchOnFunctionError: batching.bisectBatchOnError,
          MaximumRetryAttempts: batching.retryAttempts,
          MaximumRecordAgeInSeconds: batching.maxRecordAgeSeconds,
          BatchSize: batching.batchSize,
          MaximumBatchingWindowInSeconds: batching.maxBatchingWindowSeconds,
          StartingPosition: "LATEST",
        });
        expect(mapping.DestinationConfig).toEqual({
          OnFailure: { Destination: { "Fn::GetAtt": [failedRecordsId(env), "Arn"] } },
        });
      },
    );

    it("keeps failed records whole in a private, encrypted bucket (retained in production) with PUT metrics", () => {
      // Failed stream records go to S3 whole; the queues are the SES event handler's and the
      // digests' dead-letter queues.
      expect(Object.keys(resourcesOf(env.main, "AWS::SQS::Queue")).sort()).toEqual(
        [
          logicalId(env.stacks.events.emailEvents.deadLetters.node.defaultChild),
          logicalId(env.stacks.events.digests.deadLetters.node.defaultChild),
        ].sort(),
      );
      const bucket = resourcesOf(env.main, "AWS::S3::Bucket")[failedRecordsId(env)]!;
      expect(bucket.DeletionPolicy).toBe(config.production ? "Retain" : "Delete");
      expect(bucket.Properties).toMatchObject({
        PublicAccessBlockConfiguration: { BlockPublicAcls: true, RestrictPublicBuckets: true },
        BucketEncryption: expect.anything(),
        MetricsConfigurations: [{ Id: FAILED_RECORDS_METRICS_ID }],
      });
      // Whole records hold personal data: they expire after the environment's retention.
      expect(bucket.Properties.LifecycleConfiguration).toEqual({
        Rules: [
          {
            Id: "ExpireFailedRecords",
            Status: "Enabled",
            ExpirationInDays: config.failedRecordsRetentionDays,
          },
        ],
      });
      expect(config.failedRecordsRetentionDays).toBe(envName === "staging" ? 7 : 14);
      // Not versioned, so nothing outlives the expiry as a noncurrent version.
      expect(bucket.Properties.VersioningConfiguration).toBeUndefined();
    });
  });

  describe("IAM", () => {
    it("lets only the processors write failed records, and nothing else on that bucket", () => {
      for (const fn of API_AREAS) expect(s3Statements(env, fn, "failedRecords")).toEqual([]);
      for (const fn of PROCESSOR_NAMES) {
        const statements = s3Statements(env, fn, "failedRecords");
        expect(statements.map((s) => asArray(s.Action).sort())).toEqual([["s3:ListBucket", "s3:PutObject"]]);
      }
      // No function touches S3 beyond these two buckets.
      for (const fn of [...API_AREAS, ...PROCESSOR_NAMES]) {
        const all = functionStatements(env, fn).filter((s) =>
          asArray(s.Action).some((a) => a.startsWith("s3:")),
        );
        expect(all).toHaveLength(
          s3Statements(env, fn, "attachments").length + s3Statements(env, fn, "failedRecords").length,
        );
      }
    });
  });
});
