import {
  ConfigurationError,
  emailSendTimeoutsFor,
  SendOnceRetryStrategy,
  schedulerClientOptionsFromEnv,
  sesClientOptionsFromEnv,
  TABLE_SPECS,
  tableEnvironment,
  tableNamesWithPrefix,
} from "@hearth/domain";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import { describe, expect, it } from "vitest";
import { attachmentsProcessorDependencies } from "../src/attachments/build.js";
import { notificationProcessorDependencies } from "../src/notifications/build.js";
import { digestSchedulerFromEnv } from "../src/notifications/digest-scheduler.js";

const baseEnv: Record<string, string> = {
  ...tableEnvironment(tableNamesWithPrefix("dev-")),
  STAGE: "dev",
  SENDER_EMAIL: "notifications@hearth.example",
  SITE_URL: "https://hearth.example/",
  API_URL: "https://abc123.execute-api.eu-west-1.amazonaws.com/dev/",
  AWS_REGION: "eu-west-1",
  LOG_LEVEL: "SILENT",
  DIGEST_SCHEDULE_GROUP: "hearth-dev-digests",
  DIGEST_SCHEDULER_ROLE_ARN: "arn:aws:iam::1:role/scheduler",
  DIGEST_FUNCTION_ARN: "arn:aws:lambda:eu-west-1:1:function:digests",
};

describe("the processors' parts from the environment", () => {
  it("builds the notifications processor's parts from a deployed function's environment", async () => {
    const deps = notificationProcessorDependencies(baseEnv);
    expect(deps.tables.Comments).toBe("dev-Comments");
    expect(deps.senderEmail).toBe("notifications@hearth.example");
    expect(deps.siteUrl).toBe("https://hearth.example");
    expect(deps.notificationWindowSeconds).toBe(15 * 60);
    expect(deps.apiUrl).toBe("https://abc123.execute-api.eu-west-1.amazonaws.com/dev");
    expect(deps.sesConfigurationSet).toBeUndefined();
    expect(await deps.ses.config.region()).toBe("eu-west-1");
    expect(deps.clock()).toBeInstanceOf(Date);
    // One persistence layer per processor: Powertools keeps its key prefix per instance.
    expect(deps.idempotency.createPersistenceLayer()).not.toBe(deps.idempotency.createPersistenceLayer());
  });

  it("builds only the parts a processor names (the attachments one: only the photo marks, no SES), and traces off outside Lambda", () => {
    const pipeline = attachmentsProcessorDependencies({ ...baseEnv, ATTACHMENTS_BUCKET: "hearth-dev-files" });
    expect(Object.keys(pipeline).sort()).toEqual([
      "attachmentObjects",
      "clock",
      "idempotency",
      "logger",
      "metrics",
      "photoMarks",
      "recordFailures",
      "retryPauseMs",
      "tables",
      "tracer",
    ]);
    expect(pipeline.tables.Messages).toBe("dev-Messages");
    expect(pipeline.tracer.isTracingEnabled()).toBe(false);
    expect(Object.keys(notificationProcessorDependencies(baseEnv))).toContain("repositories");
  });

  it("sends through the configuration set SES_CONFIGURATION_SET names, when set", () => {
    expect(
      notificationProcessorDependencies({ ...baseEnv, SES_CONFIGURATION_SET: "hearth-dev-email" })
        .sesConfigurationSet,
    ).toBe("hearth-dev-email");
    expect(
      notificationProcessorDependencies({ ...baseEnv, SES_CONFIGURATION_SET: " " }).sesConfigurationSet,
    ).toBe(undefined);
  });

  it("reads the debounce window in minutes", () => {
    expect(
      notificationProcessorDependencies({ ...baseEnv, NOTIFICATION_WINDOW_MINUTES: "5" })
        .notificationWindowSeconds,
    ).toBe(300);
    expect(() =>
      notificationProcessorDependencies({ ...baseEnv, NOTIFICATION_WINDOW_MINUTES: "soon" }),
    ).toThrow(/NOTIFICATION_WINDOW_MINUTES/);
  });

  it("takes the window in seconds over minutes (tests and the e2e suite see digests arrive)", () => {
    const windowOf = (env: Record<string, string>) =>
      notificationProcessorDependencies({ ...baseEnv, ...env }).notificationWindowSeconds;
    expect(windowOf({ NOTIFICATION_WINDOW_SECONDS: "4" })).toBe(4);
    expect(windowOf({ NOTIFICATION_WINDOW_SECONDS: "4", NOTIFICATION_WINDOW_MINUTES: "5" })).toBe(4);
    expect(windowOf({ NOTIFICATION_WINDOW_SECONDS: " ", NOTIFICATION_WINDOW_MINUTES: "5" })).toBe(300);
    expect(() => windowOf({ NOTIFICATION_WINDOW_SECONDS: "-1" })).toThrow(/NOTIFICATION_WINDOW_SECONDS/);
    expect(() => windowOf({ NOTIFICATION_WINDOW_SECONDS: "4s" })).toThrow(/NOTIFICATION_WINDOW_SECONDS/);
  });

  it("builds the digest scheduler from its settings, refusing a local scheduler in production", async () => {
    const schedulerEnv = baseEnv;
    expect(typeof digestSchedulerFromEnv(schedulerEnv).schedule).toBe("function");
    const { DIGEST_FUNCTION_ARN: _arn, ...withoutTarget } = schedulerEnv;
    expect(() => digestSchedulerFromEnv(withoutTarget)).toThrow(/DIGEST_FUNCTION_ARN/);
    expect(
      digestSchedulerFromEnv({ ...schedulerEnv, SCHEDULER_ENDPOINT: "http://127.0.0.1:8010" }),
    ).toBeDefined();
    expect(() =>
      digestSchedulerFromEnv({ ...schedulerEnv, STAGE: "prod", SCHEDULER_ENDPOINT: "http://127.0.0.1:8010" }),
    ).toThrow(/SCHEDULER_ENDPOINT/);
    const local = schedulerClientOptionsFromEnv({
      STAGE: "dev",
      SCHEDULER_ENDPOINT: "http://127.0.0.1:8010",
      AWS_REGION: "eu-west-1",
    });
    expect(local.endpoint).toBe("http://127.0.0.1:8010");
    expect(schedulerClientOptionsFromEnv({ STAGE: "prod", AWS_REGION: "eu-west-1" })).toMatchObject({
      region: "eu-west-1",
    });
  });

  it("names what is missing or wrong", () => {
    const { SENDER_EMAIL: _sender, ...withoutSender } = baseEnv;
    expect(() => notificationProcessorDependencies(withoutSender)).toThrow(/SENDER_EMAIL/);
    const { COMMENTS_TABLE: _comments, ...withoutTable } = baseEnv;
    expect(() => notificationProcessorDependencies(withoutTable)).toThrow(/COMMENTS_TABLE/);
    expect(() => notificationProcessorDependencies({ ...baseEnv, SITE_URL: "hearth.example" })).toThrow(
      /SITE_URL/,
    );
    const { API_URL: _api, ...withoutApi } = baseEnv;
    expect(() => notificationProcessorDependencies(withoutApi)).toThrow(/API_URL/);
    expect(TABLE_SPECS.every((spec) => spec.envVar in baseEnv)).toBe(true);
  });

  it("uses local endpoints only outside production", async () => {
    const local = notificationProcessorDependencies({
      ...baseEnv,
      DYNAMODB_ENDPOINT: "http://127.0.0.1:8000",
      SES_ENDPOINT: "http://127.0.0.1:8005",
    });
    expect((await local.ses.config.endpoint?.())?.hostname).toBe("127.0.0.1");
    // In production the unsubscribe key's secret is read at runtime from Secrets Manager.
    const prod = {
      ...baseEnv,
      STAGE: "prod",
      CURSOR_SECRET_ARN: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:hearth-prod-cursor-AbCdEf",
    };
    expect(() => notificationProcessorDependencies({ ...baseEnv, STAGE: "prod" })).toThrow(
      /CURSOR_SECRET_ARN/,
    );
    expect(notificationProcessorDependencies(prod).apiUrl).toBe(baseEnv.API_URL?.replace(/\/$/, ""));
    expect(() =>
      notificationProcessorDependencies({ ...prod, SES_ENDPOINT: "http://127.0.0.1:8005" }),
    ).toThrow(ConfigurationError);
    expect(() =>
      notificationProcessorDependencies({ ...prod, DYNAMODB_ENDPOINT: "http://127.0.0.1:8000" }),
    ).toThrow(/DYNAMODB_ENDPOINT/);
    expect(sesClientOptionsFromEnv({ STAGE: "prod", AWS_REGION: "eu-west-1" })).toEqual({
      region: "eu-west-1",
      requestHandler: expect.any(NodeHttpHandler),
      maxAttempts: 3,
      retryStrategy: expect.any(SendOnceRetryStrategy),
    });
  });

  it("gives SES one long wait for its answer, sized to the processor's own timeout", () => {
    const prod = { STAGE: "prod", AWS_REGION: "eu-west-1" };
    const options = sesClientOptionsFromEnv({ ...prod, FUNCTION_TIMEOUT_SECONDS: "60" });
    expect(options.requestHandler).toBeInstanceOf(NodeHttpHandler);
    expect(options.maxAttempts).toBe(3);
    // Long enough for SES answering 25 s late; with the connection attempts inside the minute.
    expect(emailSendTimeoutsFor(60)).toEqual({
      connectionTimeoutMs: 1000,
      requestTimeoutMs: 45_000,
      maxAttempts: 3,
    });
    expect(emailSendTimeoutsFor(30).requestTimeoutMs).toBe(22_000);
    expect(() => sesClientOptionsFromEnv({ ...prod, FUNCTION_TIMEOUT_SECONDS: "1" })).toThrow(
      ConfigurationError,
    );
  });
});
