import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DEFAULT_RATE_LIMITS } from "@hearth/domain";
import { afterAll, describe, expect, it } from "vitest";
import {
  ENVIRONMENT_NAMES,
  type EnvironmentConfig,
  environmentConfig,
  fixtureConfig,
  loadConfigFile,
  validateEnvironmentConfig,
} from "../src/config.js";

const dev = fixtureConfig("dev");
const staging = fixtureConfig("staging");
const prod = fixtureConfig("prod");

function problemsOf(config: EnvironmentConfig): string {
  try {
    validateEnvironmentConfig(config);
  } catch (error) {
    return (error as Error).message;
  }
  return "";
}

describe("the fixture configuration", () => {
  it.each(ENVIRONMENT_NAMES)("configures %s validly", (name) => {
    expect(fixtureConfig(name).name).toBe(name);
  });

  it("turns WAF on by default in prod only, and lets the file turn it on elsewhere", () => {
    expect(prod.waf).toEqual({ enabled: true, requestsPerIpPer5Minutes: 1000 });
    expect(dev.waf.enabled).toBe(false);
    expect(staging.waf).toEqual({ enabled: true, requestsPerIpPer5Minutes: 500 });
  });

  it("gives every environment the default rate limits, and lets the file change a kind", () => {
    expect(dev.rateLimits).toEqual(DEFAULT_RATE_LIMITS);
    expect(prod.rateLimits).toEqual(DEFAULT_RATE_LIMITS);
    expect(staging.rateLimits).toEqual({
      ...DEFAULT_RATE_LIMITS,
      comments: { limit: 20, windowSeconds: 60 },
    });
  });

  it("keeps failed records 14 days by default, and lets the file change it", () => {
    expect(dev.failedRecordsRetentionDays).toBe(14);
    expect(prod.failedRecordsRetentionDays).toBe(14);
    expect(staging.failedRecordsRetentionDays).toBe(7);
  });

  it("pins prod to an account and region and sends its alarms somewhere", () => {
    expect(prod).toMatchObject({ production: true, account: expect.stringMatching(/^\d{12}$/) });
    expect(prod.region).toBeDefined();
    expect(prod.alarmEmail ?? prod.alarmTopicArn).toBeDefined();
  });
});

describe("origins", () => {
  it.each([
    ["http://archive.hollisfamily.net", "not an absolute https:// origin"],
    ["https://archive.hollisfamily.net/", "not an absolute https:// origin"],
    ["https://archive.hollisfamily.net/app", "not an absolute https:// origin"],
    ["archive.hollisfamily.net", "not an absolute https:// origin"],
    ["*", "not an absolute https:// origin"],
  ])("refuses %s", (origin, message) => {
    expect(problemsOf({ ...staging, allowedOrigins: [origin] })).toContain(message);
  });

  it("accepts an https origin with a port", () => {
    expect(problemsOf({ ...staging, allowedOrigins: ["https://archive.hollisfamily.net:8443"] })).toBe("");
  });

  it("allows http://localhost origins in dev only", () => {
    expect(problemsOf({ ...dev, allowedOrigins: ["http://localhost:5173", "http://localhost"] })).toBe("");
    expect(problemsOf({ ...staging, allowedOrigins: ["http://localhost:5173"] })).toContain(
      "http://localhost origins are allowed in dev only",
    );
    expect(problemsOf({ ...prod, allowedOrigins: ["http://localhost:5173"] })).toContain("dev only");
  });

  it("needs at least one", () => {
    expect(problemsOf({ ...staging, allowedOrigins: [] })).toContain("name at least one origin");
  });
});

describe("photo hosts", () => {
  it("are none by default: every profile photo is uploaded", () => {
    for (const config of [dev, staging, prod]) expect(config.photoHosts).toEqual([]);
  });

  it("accept lower-case host names", () => {
    expect(problemsOf({ ...prod, photoHosts: ["photos.hollisfamily.net", "cdn.example.org"] })).toBe("");
  });

  it.each([
    "https://photos.example.org",
    "photos.example.org/a",
    "Photos.Example.org",
    "intranet",
    "*.example.org",
  ])("refuse %s", (host) => {
    expect(problemsOf({ ...prod, photoHosts: [host] })).toContain("photoHosts:");
  });
});

describe("site URL", () => {
  it.each([
    "http://archive.hollisfamily.net",
    "archive.hollisfamily.net",
    "https://archive.hollisfamily.net/?a=1",
  ])("refuses %s", (siteUrl) => {
    expect(problemsOf({ ...staging, siteUrl })).toContain("siteUrl:");
  });
});

describe("sender", () => {
  it("refuses an address that is not an email address", () => {
    expect(problemsOf({ ...staging, senderEmail: "notifications" })).toContain("is not an email address");
  });

  it("refuses a sender outside the SES identity", () => {
    expect(problemsOf({ ...staging, senderEmail: "someone@elsewhere.net" })).toContain(
      "not the SES identity",
    );
    // A subdomain of the identity is a different identity.
    expect(problemsOf({ ...staging, senderEmail: `a@mail.${staging.sesIdentity}` })).toContain(
      "not the SES identity",
    );
    expect(
      problemsOf({ ...staging, senderEmail: "a@hollisfamily.net", sesIdentity: "b@hollisfamily.net" }),
    ).toContain("not the SES identity");
  });

  it("accepts the identity itself as the sender", () => {
    expect(problemsOf({ ...staging, sesIdentity: staging.senderEmail })).toBe("");
  });

  it("refuses an identity that is neither a domain nor an address", () => {
    expect(problemsOf({ ...staging, sesIdentity: "not a domain" })).toContain(
      "neither a domain nor an email",
    );
  });
});

describe("Cognito's emails", () => {
  it("go through SES in prod by default and keep Cognito's sender in the SES sandbox environments", () => {
    expect([dev.cognitoEmail, staging.cognitoEmail, prod.cognitoEmail]).toEqual([
      "cognito",
      "cognito",
      "ses",
    ]);
  });

  it("need a pinned region and an identity that exists before the Auth stack deploys", () => {
    expect(problemsOf({ ...staging, cognitoEmail: "ses" })).toContain(
      "cognitoEmail: Cognito sends through SES in a region",
    );
    expect(problemsOf({ ...staging, cognitoEmail: "ses", region: "eu-west-1" })).toBe("");
    expect(problemsOf({ ...prod, createSesIdentity: true })).toContain(
      "verified before the Auth stack deploys",
    );
  });
});

describe("account and region", () => {
  it("requires both in prod", () => {
    expect(problemsOf({ ...prod, account: undefined })).toContain("production must be pinned");
    expect(problemsOf({ ...prod, region: undefined })).toContain("production must be pinned");
  });

  it("refuses malformed values", () => {
    expect(problemsOf({ ...staging, account: "4702218365" })).toContain("not a 12-digit AWS account id");
    expect(problemsOf({ ...staging, region: "Ireland" })).toContain("not an AWS region name");
  });
});

describe("alarm destination", () => {
  it.each([staging, prod])("is required in $name", (config) => {
    expect(problemsOf({ ...config, alarmEmail: undefined, alarmTopicArn: undefined })).toContain(
      "alarms must reach someone",
    );
  });

  it("is optional in dev", () => {
    expect(problemsOf({ ...dev, alarmEmail: undefined, alarmTopicArn: undefined })).toBe("");
  });

  it("accepts a topic ARN alone", () => {
    expect(problemsOf({ ...staging, alarmEmail: undefined, alarmTopicArn: prod.alarmTopicArn })).toBe("");
  });

  it("refuses a malformed address or ARN", () => {
    expect(problemsOf({ ...staging, alarmEmail: "oncall" })).toContain("alarmEmail:");
    expect(problemsOf({ ...staging, alarmTopicArn: "arn:aws:sqs:eu-west-1:470221836519:q" })).toContain(
      "not an SNS topic ARN",
    );
  });
});

describe("placeholders in prod", () => {
  it.each([
    ["allowedOrigins", { allowedOrigins: ["https://hearth.example.org"] }],
    ["siteUrl", { siteUrl: "https://hearth.example.com" }],
    ["senderEmail", { senderEmail: "n@example.org", sesIdentity: "example.org" }],
    ["sesIdentity", { senderEmail: "n@hearth.test", sesIdentity: "hearth.test" }],
    ["alarmEmail", { alarmEmail: "oncall@example.net" }],
    ["account", { account: "123456789012" }],
  ] as [string, Partial<EnvironmentConfig>][])("refuses a placeholder %s", (key, values) => {
    expect(problemsOf({ ...prod, ...values })).toMatch(new RegExp(`${key}: .* placeholder`));
  });

  it("are fine outside prod", () => {
    expect(problemsOf({ ...staging, siteUrl: "https://staging.example.org" })).toBe("");
  });
});

it("lists every problem at once", () => {
  const message = problemsOf({ ...prod, siteUrl: "http://x.net", account: undefined, alarmEmail: "x" });
  expect(message.split("\n").filter((line) => line.startsWith("  - "))).toHaveLength(3);
});

describe("the config file", () => {
  const dir = mkdtempSync(join(tmpdir(), "hearth-config-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const write = (name: string, content: unknown) => {
    const path = join(dir, name);
    writeFileSync(path, typeof content === "string" ? content : JSON.stringify(content));
    return path;
  };

  it("supplies an operator's values without editing code", () => {
    const file = loadConfigFile(
      write("ops.json", {
        staging: {
          allowedOrigins: ["https://staging.lindqvist.se"],
          siteUrl: "https://staging.lindqvist.se",
          senderEmail: "post@lindqvist.se",
          sesIdentity: "lindqvist.se",
          alarmTopicArn: "arn:aws:sns:eu-north-1:902118334455:pager",
          logLevel: "WARN",
        },
      }),
    );
    expect(environmentConfig("staging", file)).toMatchObject({
      name: "staging",
      siteUrl: "https://staging.lindqvist.se",
      logLevel: "WARN",
      // Defaults fill what the file leaves out.
      production: false,
      apiThrottling: { rateLimit: 50, burstLimit: 100 },
    });
  });

  it("names the environment missing from it and what to set", () => {
    const file = loadConfigFile(write("dev-only.json", { dev: { siteUrl: "https://dev.lindqvist.se" } }));
    expect(() => environmentConfig("prod", file)).toThrow(
      'prod: set allowedOrigins, siteUrl, senderEmail, sesIdentity, account, region, alarmEmail or alarmTopicArn in the "prod" entry of the config file',
    );
    expect(() => environmentConfig("dev", file)).toThrow(
      'dev: set allowedOrigins, senderEmail, sesIdentity in the "dev" entry',
    );
  });

  it("refuses unknown keys and wrong types, naming them", () => {
    expect(() => loadConfigFile(write("typo.json", { prod: { siteURL: "https://x.net" } }))).toThrow(/prod/);
    expect(() => loadConfigFile(write("types.json", { dev: { allowedOrigins: "https://x.net" } }))).toThrow(
      /dev\.allowedOrigins/,
    );
    expect(() =>
      loadConfigFile(
        write("limits.json", { prod: { rateLimits: { comments: { limit: 0, windowSeconds: 60 } } } }),
      ),
    ).toThrow(/prod\.rateLimits\.comments\.limit/);
    expect(() =>
      loadConfigFile(
        write("kinds.json", { prod: { rateLimits: { likes: { limit: 5, windowSeconds: 60 } } } }),
      ),
    ).toThrow(/prod\.rateLimits/);
    expect(() => loadConfigFile(write("retention.json", { dev: { failedRecordsRetentionDays: 0 } }))).toThrow(
      /dev\.failedRecordsRetentionDays/,
    );
    expect(() => loadConfigFile(write("broken.json", "{"))).toThrow(/Cannot read the config file/);
    expect(() => loadConfigFile(join(dir, "missing.json"))).toThrow(/Cannot read the config file/);
  });
});
