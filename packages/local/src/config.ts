import { resolve } from "node:path";
import { UserFixableError } from "./errors.js";

/**
 * Where the local stack listens and keeps its data. Every port has an environment
 * variable so two stacks (or another tool on a default port) can live side by side.
 */
export interface PortSetting {
  envVar: string;
  port: number;
}

export interface LocalStackConfig {
  /** Everything the stack persists lives under here (`.local/` at the repo root by default). */
  dataDir: string;
  /** Where the outputs file is written. */
  outputsFile: string;
  ports: {
    api: PortSetting;
    dynamodb: PortSetting;
    cognito: PortSetting;
    ses: PortSetting;
    s3: PortSetting;
    /** The Lambda Invoke endpoint cognito-local calls the sign-in trigger through. */
    cognitoTriggers: PortSetting;
    /** The local EventBridge Scheduler (digest schedules). */
    scheduler: PortSetting;
    /** The WebSocket API: clients connect here; the management API answers on the same port. */
    websocket: PortSetting;
  };
  /** An already running DynamoDB to use instead of starting DynamoDB Local. */
  externalDynamoEndpoint?: string | undefined;
  host: string;
  region: string;
  stage: string;
  tablePrefix: string;
  userPoolName: string;
  userPoolClientName: string;
  attachmentsBucket: string;
  senderEmail: string;
  siteUrl: string;
  allowedOrigins: string[];
  /** Seed demo users and content when the user pool is new. */
  seed: boolean;
}

export const REPO_ROOT = resolve(import.meta.dirname, "../../..");
export const DEFAULT_DATA_DIR = resolve(REPO_ROOT, ".local");
export const DEFAULT_OUTPUTS_FILE = resolve(DEFAULT_DATA_DIR, "outputs.json");

function portFromEnv(env: NodeJS.ProcessEnv, envVar: string, fallback: number): PortSetting {
  const raw = env[envVar];
  if (raw === undefined || raw === "") return { envVar, port: fallback };
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new UserFixableError(`${envVar} must be a port number between 1 and 65535, got "${raw}"`);
  }
  return { envVar, port };
}

export function configFromEnv(env: NodeJS.ProcessEnv = process.env): LocalStackConfig {
  const dataDir = env.HEARTH_LOCAL_DIR ? resolve(env.HEARTH_LOCAL_DIR) : DEFAULT_DATA_DIR;
  const apiPort = portFromEnv(env, "API_PORT", 3000);
  return {
    dataDir,
    outputsFile: resolve(dataDir, "outputs.json"),
    ports: {
      api: apiPort,
      dynamodb: portFromEnv(env, "DYNAMODB_PORT", 8000),
      cognito: portFromEnv(env, "COGNITO_PORT", 9229),
      ses: portFromEnv(env, "SES_PORT", 8005),
      s3: portFromEnv(env, "S3_PORT", 4569),
      cognitoTriggers: portFromEnv(env, "COGNITO_TRIGGERS_PORT", 9230),
      scheduler: portFromEnv(env, "SCHEDULER_PORT", 8010),
      websocket: portFromEnv(env, "WEBSOCKET_PORT", 3001),
    },
    externalDynamoEndpoint: env.DYNAMODB_ENDPOINT || undefined,
    host: "127.0.0.1",
    region: "us-east-1",
    stage: "local",
    tablePrefix: "hearth-local-",
    userPoolName: "hearth-local",
    userPoolClientName: "hearth-web",
    attachmentsBucket: "hearth-local-attachments",
    senderEmail: "notifications@hearth.local",
    siteUrl: env.SITE_URL ?? "http://localhost:5173",
    allowedOrigins: (env.ALLOWED_ORIGINS ?? "http://localhost:5173,http://127.0.0.1:5173")
      .split(",")
      .map((origin) => origin.trim())
      .filter(Boolean),
    seed: true,
  };
}
