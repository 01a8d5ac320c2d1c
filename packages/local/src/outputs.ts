import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";

/** The deployed stack's output keys, plus the local engines' endpoints. */
export interface StackOutputs {
  Region: string;
  ApiUrl: string;
  /** Where browsers connect for pushes (`?token=<ID token>`). */
  WebSocketUrl?: string;
  UserPoolId: string;
  UserPoolClientId: string;
  AttachmentsBucket: string;
  CognitoEndpoint?: string;
  DynamoDbEndpoint?: string;
  SesEndpoint?: string;
  S3Endpoint?: string;
  /** `POST` an SES bounce or complaint event here to simulate it (local only). */
  SesEventsEndpoint?: string;
  /** The local scheduler that runs digest schedules. */
  SchedulerEndpoint?: string;
}

const REQUIRED = ["Region", "ApiUrl", "UserPoolId", "UserPoolClientId", "AttachmentsBucket"] as const;
const KNOWN = [
  ...REQUIRED,
  "WebSocketUrl",
  "CognitoEndpoint",
  "DynamoDbEndpoint",
  "SesEndpoint",
  "S3Endpoint",
  "SesEventsEndpoint",
  "SchedulerEndpoint",
] as const;

export function writeOutputs(file: string, outputs: StackOutputs): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(outputs, null, 2)}\n`);
}

/**
 * Reads a flat outputs file, or the `{StackName: {Key: value}}` file `cdk deploy
 * --outputs-file` writes (stacks merged; CDK's generated suffixes on keys tolerated).
 */
export function parseOutputs(json: unknown, source = "outputs"): StackOutputs {
  if (typeof json !== "object" || json === null) throw new Error(`${source} is not a JSON object`);
  const flat: Record<string, string> = {};
  for (const [key, value] of Object.entries(json)) {
    if (typeof value === "string") flat[key] = value;
    else if (typeof value === "object" && value !== null) {
      for (const [innerKey, innerValue] of Object.entries(value)) {
        if (typeof innerValue === "string") flat[innerKey] = innerValue;
      }
    }
  }
  const outputs: Record<string, string> = {};
  for (const key of KNOWN) {
    const value = flat[key] ?? Object.entries(flat).find(([name]) => name.startsWith(key))?.[1];
    if (value !== undefined) outputs[key] = value;
  }
  const missing = REQUIRED.filter((key) => !outputs[key]);
  if (missing.length) throw new Error(`${source} lacks ${missing.join(", ")}`);
  return outputs as unknown as StackOutputs;
}

export function readOutputs(file: string): StackOutputs {
  return parseOutputs(JSON.parse(readFileSync(file, "utf8")), file);
}
