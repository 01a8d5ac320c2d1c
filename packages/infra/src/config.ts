import { readFileSync } from "node:fs";
import { isAbsolute, join, resolve } from "node:path";
import { isPhotoHostName, type RateLimits, rateLimitOverridesSchema, rateLimitsWith } from "@hearth/domain";
import { Duration, RemovalPolicy } from "aws-cdk-lib";
import { RetentionDays } from "aws-cdk-lib/aws-logs";
import { z } from "zod";
import { REPO_ROOT } from "./paths.js";

/**
 * Per-environment settings. What differs between deployments of the same environment (the
 * operator's domain, sender, account, where alarms go) comes from a config file passed as
 * CDK context (`-c config=path.json`); the rest (log levels, retention, throttling) has
 * defaults here that the file may override. Everything is validated at synth.
 */
export const ENVIRONMENT_NAMES = ["dev", "staging", "prod"] as const;
export type EnvironmentName = (typeof ENVIRONMENT_NAMES)[number];

/** The repository's fixture: realistic, non-placeholder values that CI synthesizes and tests use. */
export const FIXTURE_CONFIG_PATH = join(REPO_ROOT, "packages", "infra", "config", "fixture.json");

export interface EnvironmentConfig {
  name: EnvironmentName;
  /**
   * Pin the stacks to an account/region (required in prod); left out, stacks are
   * environment-agnostic and deploy wherever the CLI's credentials point.
   */
  account?: string;
  region?: string;
  /** Production: tables get deletion protection, everything stateful is retained. */
  production: boolean;
  /** Browser origins allowed by CORS (API preflight, gateway errors, attachment uploads). */
  allowedOrigins: string[];
  /** The website; links in notification emails point here. */
  siteUrl: string;
  /** From-address of notification emails. */
  senderEmail: string;
  /**
   * The SES identity the sender belongs to (a verified domain or the address itself); the
   * notification function may send as this identity only.
   */
  sesIdentity: string;
  /** Create the SES identity in this stack (otherwise it must already exist and be verified). */
  createSesIdentity: boolean;
  /**
   * The account is in the SES sandbox here: SES then also authorizes each recipient's
   * identity, so the function may send to the account's verified identities too.
   */
  sesSandbox: boolean;
  /**
   * Who sends Cognito's own emails (verification codes, password resets): `ses` sends them
   * through SES as `senderEmail` and the app's configuration set (EmailConfiguration
   * DEVELOPER, so they are not capped by Cognito's default sender and their bounces suppress
   * too); `cognito` keeps Cognito's default sender (the right choice in the SES sandbox, where
   * SES would only deliver to verified addresses). `ses` needs a pinned region and an identity
   * that is verified before the Auth stack deploys.
   */
  cognitoEmail: "ses" | "cognito";
  notificationWindowMinutes: number;
  logLevel: "DEBUG" | "INFO" | "WARN" | "ERROR";
  logRetention: RetentionDays;
  apiThrottling: { rateLimit: number; burstLimit: number };
  /** Anyone may sign up; an admin approves by adding the user to `ApprovedUsers`. */
  selfSignUp: boolean;
  /** Email address subscribed to alarm notifications. */
  alarmEmail?: string;
  /** An existing SNS topic (e.g. a paging integration) that alarms also notify. */
  alarmTopicArn?: string;
  /**
   * API Gateway's CloudWatch role is one setting per account and region
   * (`AWS::ApiGateway::Account`): exactly one environment per account/region creates it
   * (`create`, retained on stack deletion), the others sharing that account use it (`existing`).
   */
  apiGatewayAccountSettings: "create" | "existing";
  /** A WAF web ACL on the API stage (a per-IP rate-based rule and AWS's common rule set). */
  waf: { enabled: boolean; requestsPerIpPer5Minutes: number };
  /** How long attachments stay in the standard storage class before moving to Intelligent-Tiering. */
  attachmentsTieringAfter: Duration;
  /**
   * Days a failed stream batch is kept in the failed-records bucket for `pnpm replay`: the
   * records are whole (message text included), so they expire like the rest of a member's data.
   */
  failedRecordsRetentionDays: number;
  /**
   * Per-member write limits (comments, messages, reactions, upload URLs), handed to the API
   * functions as `RATE_LIMITS`; the domain's defaults unless the config file overrides a kind.
   */
  rateLimits: RateLimits;
  /**
   * Host names a profile photo may link to instead of being uploaded (`PUT /profile`'s
   * `profilePhotoUrl`); none by default, so every photo is uploaded. Photos elsewhere are
   * neither accepted nor served: each viewer's browser would call that host.
   */
  photoHosts: string[];
}

/** Long enough for an operator to see the alarm and replay; short enough not to become an archive. */
const DEFAULT_FAILED_RECORDS_RETENTION_DAYS = 14;

/** What an environment gets unless the config file says otherwise. */
const DEFAULTS: Record<
  EnvironmentName,
  Omit<EnvironmentConfig, "name" | "allowedOrigins" | "siteUrl" | "senderEmail" | "sesIdentity">
> = {
  dev: {
    production: false,
    createSesIdentity: false,
    sesSandbox: true,
    cognitoEmail: "cognito",
    notificationWindowMinutes: 15,
    logLevel: "DEBUG",
    logRetention: RetentionDays.ONE_WEEK,
    apiThrottling: { rateLimit: 20, burstLimit: 40 },
    selfSignUp: true,
    apiGatewayAccountSettings: "create",
    waf: { enabled: false, requestsPerIpPer5Minutes: 1000 },
    attachmentsTieringAfter: Duration.days(30),
    failedRecordsRetentionDays: DEFAULT_FAILED_RECORDS_RETENTION_DAYS,
    rateLimits: rateLimitsWith(),
    photoHosts: [],
  },
  staging: {
    production: false,
    createSesIdentity: false,
    sesSandbox: true,
    cognitoEmail: "cognito",
    notificationWindowMinutes: 15,
    logLevel: "INFO",
    logRetention: RetentionDays.ONE_MONTH,
    apiThrottling: { rateLimit: 50, burstLimit: 100 },
    selfSignUp: true,
    apiGatewayAccountSettings: "create",
    waf: { enabled: false, requestsPerIpPer5Minutes: 1000 },
    attachmentsTieringAfter: Duration.days(30),
    failedRecordsRetentionDays: DEFAULT_FAILED_RECORDS_RETENTION_DAYS,
    rateLimits: rateLimitsWith(),
    photoHosts: [],
  },
  prod: {
    production: true,
    createSesIdentity: false,
    sesSandbox: false,
    cognitoEmail: "ses",
    notificationWindowMinutes: 15,
    logLevel: "INFO",
    logRetention: RetentionDays.ONE_YEAR,
    apiThrottling: { rateLimit: 100, burstLimit: 200 },
    selfSignUp: true,
    apiGatewayAccountSettings: "create",
    waf: { enabled: true, requestsPerIpPer5Minutes: 1000 },
    attachmentsTieringAfter: Duration.days(30),
    failedRecordsRetentionDays: DEFAULT_FAILED_RECORDS_RETENTION_DAYS,
    rateLimits: rateLimitsWith(),
    photoHosts: [],
  },
};

/** One environment's entry in the config file: the operator's values, and optional overrides. */
const environmentFileSchema = z.strictObject({
  account: z.string().optional(),
  region: z.string().optional(),
  allowedOrigins: z.array(z.string()).optional(),
  siteUrl: z.string().optional(),
  senderEmail: z.string().optional(),
  sesIdentity: z.string().optional(),
  createSesIdentity: z.boolean().optional(),
  sesSandbox: z.boolean().optional(),
  cognitoEmail: z.enum(["ses", "cognito"]).optional(),
  alarmEmail: z.string().optional(),
  alarmTopicArn: z.string().optional(),
  apiGatewayAccountSettings: z.enum(["create", "existing"]).optional(),
  logLevel: z.enum(["DEBUG", "INFO", "WARN", "ERROR"]).optional(),
  notificationWindowMinutes: z.number().int().min(1).max(1440).optional(),
  apiThrottling: z
    .strictObject({ rateLimit: z.number().positive(), burstLimit: z.number().int().positive() })
    .optional(),
  selfSignUp: z.boolean().optional(),
  failedRecordsRetentionDays: z.number().int().min(1).max(90).optional(),
  waf: z
    .strictObject({
      enabled: z.boolean(),
      // WAF's own bounds for a rate-based rule.
      requestsPerIpPer5Minutes: z.number().int().min(10).max(2_000_000_000).optional(),
    })
    .optional(),
  // Only the kinds that differ from the defaults, each complete: { "comments": { "limit": 20, "windowSeconds": 60 } }.
  rateLimits: rateLimitOverridesSchema.optional(),
  photoHosts: z.array(z.string()).optional(),
});
export type EnvironmentFileEntry = z.infer<typeof environmentFileSchema>;

const configFileSchema = z.strictObject({
  $comment: z.string().optional(),
  dev: environmentFileSchema.optional(),
  staging: environmentFileSchema.optional(),
  prod: environmentFileSchema.optional(),
});
export type ConfigFile = z.infer<typeof configFileSchema>;

/** Reads and shape-checks a config file; `path` is relative to the working directory. */
export function loadConfigFile(path: string): ConfigFile {
  const absolute = isAbsolute(path) ? path : resolve(process.cwd(), path);
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(absolute, "utf8"));
  } catch (error) {
    throw new Error(`Cannot read the config file ${absolute}: ${(error as Error).message}`);
  }
  const parsed = configFileSchema.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues.map(
      (issue) => `  - ${issue.path.join(".") || "(file)"}: ${issue.message}`,
    );
    throw new Error(`The config file ${absolute} is not valid:\n${problems.join("\n")}`);
  }
  return parsed.data;
}

export function isEnvironmentName(value: unknown): value is EnvironmentName {
  return typeof value === "string" && (ENVIRONMENT_NAMES as readonly string[]).includes(value);
}

const REQUIRED_VALUES = ["allowedOrigins", "siteUrl", "senderEmail", "sesIdentity"] as const;

/**
 * The configuration of environment `name` from the config file's entry: defaults, then the
 * file's values, then validation. A missing file entry or missing values are one error that
 * lists everything to set.
 */
export function environmentConfig(name: unknown, file: ConfigFile | undefined): EnvironmentConfig {
  if (!isEnvironmentName(name)) {
    throw new Error(
      `Choose an environment with -c env=<name>, one of: ${ENVIRONMENT_NAMES.join(", ")} (got ${JSON.stringify(name)})`,
    );
  }
  const entry = file?.[name] ?? {};
  const missing: string[] = REQUIRED_VALUES.filter((key) => entry[key] === undefined);
  if (name === "prod") missing.push(...(["account", "region"] as const).filter((key) => !entry[key]));
  if (name !== "dev" && !entry.alarmEmail && !entry.alarmTopicArn)
    missing.push("alarmEmail or alarmTopicArn");
  if (missing.length) {
    const where = file
      ? `the "${name}" entry of the config file`
      : `a config file passed with -c config=path.json (see ${FIXTURE_CONFIG_PATH} for its shape)`;
    throw new Error(`${name}: set ${missing.join(", ")} in ${where}`);
  }
  const defaults = DEFAULTS[name];
  return validateEnvironmentConfig({
    ...defaults,
    ...entry,
    waf: { ...defaults.waf, ...entry.waf },
    rateLimits: { ...defaults.rateLimits, ...entry.rateLimits },
    name,
    allowedOrigins: entry.allowedOrigins!,
    siteUrl: entry.siteUrl!,
    senderEmail: entry.senderEmail!,
    sesIdentity: entry.sesIdentity!,
  });
}

/** The fixture's configuration of an environment: what `pnpm synth` and the tests build. */
export function fixtureConfig(name: EnvironmentName): EnvironmentConfig {
  return environmentConfig(name, loadConfigFile(FIXTURE_CONFIG_PATH));
}

/** Domains reserved for documentation and testing (RFC 2606 / 6761): never real in prod. */
const PLACEHOLDER_DOMAIN = /(^|\.)(example\.(org|com|net)|example|test|invalid|localhost)$/i;
const PLACEHOLDER_ACCOUNTS = new Set(["123456789012", "000000000000", "111111111111"]);
const EMAIL = /^[^\s@]+@([a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)+)$/i;
const DOMAIN = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)+$/i;
const LOCALHOST_ORIGIN = /^http:\/\/localhost(:\d{1,5})?$/;
const ACCOUNT = /^\d{12}$/;
const REGION = /^[a-z]{2}(-[a-z]+)+-\d$/;
const SNS_TOPIC_ARN = /^arn:aws[a-z-]*:sns:([a-z]{2}(-[a-z]+)+-\d):(\d{12}):[A-Za-z0-9_-]{1,256}$/;

function urlOf(value: string): URL | undefined {
  try {
    return new URL(value);
  } catch {
    return undefined;
  }
}

/** The URL's host, or undefined when `value` is not an absolute URL. */
function hostOf(value: string): string | undefined {
  return urlOf(value)?.hostname;
}

function domainOfEmail(address: string): string | undefined {
  return EMAIL.exec(address)?.[1]?.toLowerCase();
}

/**
 * Settings that would deploy but misbehave are refused at synth, all problems in one message:
 * CORS origins, the site URL, the sender and its SES identity, the account and region, where
 * alarms go, and (in prod) anything still pointing at a placeholder domain or account.
 */
export function validateEnvironmentConfig(config: EnvironmentConfig): EnvironmentConfig {
  const problems: string[] = [];
  const isDev = config.name === "dev";

  for (const host of config.photoHosts) {
    if (!isPhotoHostName(host) || host !== host.toLowerCase()) {
      problems.push(
        `photoHosts: ${JSON.stringify(host)} is not a lower-case host name (no scheme, port or path)`,
      );
    }
  }
  if (config.allowedOrigins.length === 0) problems.push("allowedOrigins: name at least one origin");
  for (const origin of config.allowedOrigins) {
    if (LOCALHOST_ORIGIN.test(origin)) {
      if (!isDev)
        problems.push(`allowedOrigins: http://localhost origins are allowed in dev only (got ${origin})`);
      continue;
    }
    const url = urlOf(origin);
    if (url?.protocol !== "https:" || url.origin !== origin) {
      problems.push(
        `allowedOrigins: ${JSON.stringify(origin)} is not an absolute https:// origin (scheme and host, optional port, no path or trailing slash)`,
      );
    }
  }

  const site = urlOf(config.siteUrl);
  if (site?.protocol !== "https:" || site.search || site.hash || site.username) {
    problems.push(
      `siteUrl: ${JSON.stringify(config.siteUrl)} is not an https:// URL without query or fragment`,
    );
  }

  const senderDomain = domainOfEmail(config.senderEmail);
  const identity = config.sesIdentity.toLowerCase();
  const identityIsAddress = identity.includes("@");
  if (!senderDomain)
    problems.push(`senderEmail: ${JSON.stringify(config.senderEmail)} is not an email address`);
  if (identityIsAddress ? !domainOfEmail(identity) : !DOMAIN.test(identity)) {
    problems.push(
      `sesIdentity: ${JSON.stringify(config.sesIdentity)} is neither a domain nor an email address`,
    );
  } else if (senderDomain) {
    const sender = config.senderEmail.toLowerCase();
    const inside = identityIsAddress ? sender === identity : senderDomain === identity;
    if (!inside) {
      problems.push(
        `senderEmail: ${config.senderEmail} is not the SES identity ${config.sesIdentity} nor an address at it`,
      );
    }
  }

  if (config.cognitoEmail === "ses") {
    if (!config.region) {
      problems.push('cognitoEmail: Cognito sends through SES in a region: pin region, or use "cognito"');
    }
    if (config.createSesIdentity) {
      problems.push(
        'cognitoEmail: the user pool needs the SES identity verified before the Auth stack deploys, but createSesIdentity creates it later (App stack): verify it first and set createSesIdentity to false, or use "cognito"',
      );
    }
  }

  if (config.account !== undefined && !ACCOUNT.test(config.account)) {
    problems.push(`account: ${JSON.stringify(config.account)} is not a 12-digit AWS account id`);
  }
  if (config.region !== undefined && !REGION.test(config.region)) {
    problems.push(`region: ${JSON.stringify(config.region)} is not an AWS region name (like eu-west-1)`);
  }
  if (config.production && (!config.account || !config.region)) {
    problems.push("account, region: production must be pinned to an account and a region");
  }

  if (config.alarmEmail !== undefined && !domainOfEmail(config.alarmEmail)) {
    problems.push(`alarmEmail: ${JSON.stringify(config.alarmEmail)} is not an email address`);
  }
  if (config.alarmTopicArn !== undefined && !SNS_TOPIC_ARN.test(config.alarmTopicArn)) {
    problems.push(`alarmTopicArn: ${JSON.stringify(config.alarmTopicArn)} is not an SNS topic ARN`);
  }
  if (!isDev && !config.alarmEmail && !config.alarmTopicArn) {
    problems.push("alarmEmail or alarmTopicArn: staging and prod alarms must reach someone");
  }

  if (config.production) {
    const placeholders = [
      ...config.allowedOrigins.map((origin) => ["allowedOrigins", origin, hostOf(origin)] as const),
      ["siteUrl", config.siteUrl, hostOf(config.siteUrl)] as const,
      ["senderEmail", config.senderEmail, domainOfEmail(config.senderEmail)] as const,
      ["sesIdentity", config.sesIdentity, identityIsAddress ? domainOfEmail(identity) : identity] as const,
      ...(config.alarmEmail
        ? [["alarmEmail", config.alarmEmail, domainOfEmail(config.alarmEmail)] as const]
        : []),
    ].filter(([, , host]) => host !== undefined && PLACEHOLDER_DOMAIN.test(host));
    for (const [key, value] of placeholders) {
      problems.push(`${key}: ${value} is a placeholder domain; set the real one for production`);
    }
    if (config.account && PLACEHOLDER_ACCOUNTS.has(config.account)) {
      problems.push(
        `account: ${config.account} is a placeholder account id; set the real one for production`,
      );
    }
  }

  if (problems.length) {
    throw new Error(`${config.name}: invalid configuration\n${problems.map((p) => `  - ${p}`).join("\n")}`);
  }
  return config;
}

export function removalPolicyOf(config: EnvironmentConfig): RemovalPolicy {
  return config.production ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
}

/** Stack names carry the environment: `Hearth-prod-Data`. */
export function stackName(config: EnvironmentConfig, part: string): string {
  return `Hearth-${config.name}-${part}`;
}
