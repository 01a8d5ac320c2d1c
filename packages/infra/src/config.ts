import { Duration, RemovalPolicy } from "aws-cdk-lib";
import { RetentionDays } from "aws-cdk-lib/aws-logs";

/**
 * Per-environment settings: the one place an environment differs from another. Select one
 * with `-c env=<name>`; edit the values here (sender, origins, site URL, account) before a
 * real deployment.
 */
export const ENVIRONMENT_NAMES = ["dev", "staging", "prod"] as const;
export type EnvironmentName = (typeof ENVIRONMENT_NAMES)[number];

export interface EnvironmentConfig {
  name: EnvironmentName;
  /**
   * Pin the stacks to an account/region; left out, stacks are environment-agnostic and
   * deploy wherever the CLI's credentials point.
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
  notificationWindowMinutes: number;
  logLevel: "DEBUG" | "INFO" | "WARN" | "ERROR";
  logRetention: RetentionDays;
  apiThrottling: { rateLimit: number; burstLimit: number };
  /** Anyone may sign up; an admin approves by adding the user to `ApprovedUsers`. */
  selfSignUp: boolean;
  /** Email address subscribed to alarm notifications, if any. */
  alarmEmail?: string;
  /** How long attachments stay in the standard storage class before moving to Intelligent-Tiering. */
  attachmentsTieringAfter: Duration;
}

const shared = {
  notificationWindowMinutes: 15,
  createSesIdentity: false,
  selfSignUp: true,
  attachmentsTieringAfter: Duration.days(30),
} as const;

export const ENVIRONMENTS: Record<EnvironmentName, EnvironmentConfig> = {
  dev: {
    ...shared,
    name: "dev",
    production: false,
    allowedOrigins: ["http://localhost:5173", "https://dev.hearth.example.org"],
    siteUrl: "https://dev.hearth.example.org",
    senderEmail: "notifications@dev.hearth.example.org",
    sesIdentity: "dev.hearth.example.org",
    sesSandbox: true,
    logLevel: "DEBUG",
    logRetention: RetentionDays.ONE_WEEK,
    apiThrottling: { rateLimit: 20, burstLimit: 40 },
  },
  staging: {
    ...shared,
    name: "staging",
    production: false,
    allowedOrigins: ["https://staging.hearth.example.org"],
    siteUrl: "https://staging.hearth.example.org",
    senderEmail: "notifications@staging.hearth.example.org",
    sesIdentity: "staging.hearth.example.org",
    sesSandbox: true,
    logLevel: "INFO",
    logRetention: RetentionDays.ONE_MONTH,
    apiThrottling: { rateLimit: 50, burstLimit: 100 },
  },
  prod: {
    ...shared,
    name: "prod",
    production: true,
    allowedOrigins: ["https://hearth.example.org"],
    siteUrl: "https://hearth.example.org",
    senderEmail: "notifications@hearth.example.org",
    sesIdentity: "hearth.example.org",
    sesSandbox: false,
    logLevel: "INFO",
    logRetention: RetentionDays.ONE_YEAR,
    apiThrottling: { rateLimit: 100, burstLimit: 200 },
  },
};

export function isEnvironmentName(value: unknown): value is EnvironmentName {
  return typeof value === "string" && (ENVIRONMENT_NAMES as readonly string[]).includes(value);
}

/** The configuration named by `-c env=<name>`; an unknown or missing name is a clear error. */
export function environmentConfig(name: unknown): EnvironmentConfig {
  if (!isEnvironmentName(name)) {
    throw new Error(
      `Choose an environment with -c env=<name>, one of: ${ENVIRONMENT_NAMES.join(", ")} (got ${JSON.stringify(name)})`,
    );
  }
  return validateEnvironmentConfig(ENVIRONMENTS[name]);
}

/**
 * Settings that would deploy but fail at run time are refused at synth: the notification
 * function may send only as `sesIdentity`, so the sender must be that address or at that domain.
 */
export function validateEnvironmentConfig(config: EnvironmentConfig): EnvironmentConfig {
  const sender = config.senderEmail.toLowerCase();
  const identity = config.sesIdentity.toLowerCase();
  const allowed = identity.includes("@") ? sender === identity : sender.endsWith(`@${identity}`);
  if (!allowed) {
    throw new Error(
      `${config.name}: senderEmail ${config.senderEmail} is not the SES identity ${config.sesIdentity} nor an address at it`,
    );
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
