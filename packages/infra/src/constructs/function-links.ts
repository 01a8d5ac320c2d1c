import {
  type FilesAccess,
  type FunctionManifest,
  SETTING_VARIABLES,
  type Setting,
  TABLE_SPECS,
  type TableName,
} from "@hearth/domain";
import type * as cognito from "aws-cdk-lib/aws-cognito";
import type * as dynamodb from "aws-cdk-lib/aws-dynamodb";
import * as iam from "aws-cdk-lib/aws-iam";
import type * as lambda from "aws-cdk-lib/aws-lambda";
import type * as secretsmanager from "aws-cdk-lib/aws-secretsmanager";
import type { EnvironmentConfig } from "../config.js";
import { grantTableAccess } from "../grants.js";

/** A function being linked: its manifest, the function and its role. */
export interface LinkedFunction {
  manifest: FunctionManifest;
  function: lambda.Function;
  role: iam.Role;
}

/** The files bucket: grants one prefix's object rights (each wildcard acknowledged once, with its reason). */
export interface FilesBucketLink {
  bucketName: string;
  grant(fn: LinkedFunction, access: FilesAccess): void;
}

/** SES sending as the environment's identity, through its configuration set. */
export interface EmailLink {
  configurationSetName: string;
  grantSend(fn: LinkedFunction): void;
}

/** Digest schedules: the right to create them in their group and pass their role, and where they go. */
export interface DigestSchedulesLink {
  allowScheduling(fn: LinkedFunction): void;
}

/** The WebSocket API's management endpoint and the right to post to its connections. */
interface WebSocketLink {
  managementEndpoint: string;
  grantPostToConnections(fn: lambda.IFunction): void;
}

/**
 * What a stack can give its functions. Each function takes what its manifest declares, and a
 * declared need the stack does not provide fails the synthesis, naming both.
 */
export interface FunctionLinks {
  config: EnvironmentConfig;
  tables: Record<TableName, dynamodb.ITable>;
  filesBucket?: FilesBucketLink;
  userPool?: cognito.IUserPool;
  userPoolClient?: cognito.IUserPoolClient;
  cursorSecret?: secretsmanager.ISecret;
  apiUrl?: string;
  email?: EmailLink;
  digestSchedules?: DigestSchedulesLink;
  webSocket?: WebSocketLink;
}

function provided<K extends keyof FunctionLinks>(
  fn: LinkedFunction,
  links: FunctionLinks,
  key: K,
): NonNullable<FunctionLinks[K]> {
  const value = links[key];
  if (value === undefined) {
    throw new Error(`${fn.manifest.name} needs ${String(key)}, which its stack does not provide`);
  }
  return value as NonNullable<FunctionLinks[K]>;
}

/**
 * Each setting's values, in the order of `SETTING_VARIABLES`, and the right that comes with
 * the value (a secret's ARN with the right to read that secret, and so on).
 */
const SETTINGS: { [S in Setting]: (fn: LinkedFunction, links: FunctionLinks) => string[] } = {
  allowedOrigins: (_fn, { config }) => [config.allowedOrigins.join(",")],
  // Validated again when the function starts (the same schema as the config file's).
  rateLimits: (_fn, { config }) => [JSON.stringify(config.rateLimits)],
  cursorSecret: (fn, links) => {
    const secret = provided(fn, links, "cursorSecret");
    // Reading the value is all it needs (not DescribeSecret, nor any other secret).
    fn.function.addToRolePolicy(
      new iam.PolicyStatement({ actions: ["secretsmanager:GetSecretValue"], resources: [secret.secretArn] }),
    );
    // An ARN, not the value: the function reads the secret at runtime.
    return [secret.secretArn];
  },
  filesBucket: (fn, links) => [provided(fn, links, "filesBucket").bucketName],
  userPool: (fn, links) => [provided(fn, links, "userPool").userPoolId],
  userPoolClient: (fn, links) => [provided(fn, links, "userPoolClient").userPoolClientId],
  email: (fn, links) => [
    links.config.senderEmail,
    links.config.siteUrl,
    provided(fn, links, "email").configurationSetName,
  ],
  apiUrl: (fn, links) => [provided(fn, links, "apiUrl")],
  notificationWindow: (_fn, { config }) => [String(config.notificationWindowMinutes)],
  photoHosts: (_fn, { config }) => [config.photoHosts.join(",")],
  digestSchedules: (fn, links) => {
    provided(fn, links, "digestSchedules").allowScheduling(fn);
    return []; // allowScheduling sets the schedule variables itself (they name its resources).
  },
  webSocketManagement: (fn, links) => {
    const webSocket = provided(fn, links, "webSocket");
    webSocket.grantPostToConnections(fn.function);
    return [webSocket.managementEndpoint];
  },
};

/**
 * Gives `fn` what its manifest declares and nothing else: its own tables' names and grants,
 * its object rights on the files bucket, its user-pool calls, SES sending, and each setting's
 * variables with the right that comes with it.
 */
export function linkFunction(fn: LinkedFunction, links: FunctionLinks): void {
  const { manifest } = fn;
  const tables = Object.keys(manifest.tables) as TableName[];
  for (const spec of TABLE_SPECS) {
    if (tables.includes(spec.name))
      fn.function.addEnvironment(spec.envVar, links.tables[spec.name].tableName);
  }
  grantTableAccess(fn.function, links.tables, manifest.tables);
  for (const access of manifest.files ?? []) provided(fn, links, "filesBucket").grant(fn, access);
  if (manifest.userPoolActions?.length) {
    fn.function.addToRolePolicy(
      new iam.PolicyStatement({
        actions: [...manifest.userPoolActions],
        resources: [provided(fn, links, "userPool").userPoolArn],
      }),
    );
  }
  if (manifest.sendsEmail) provided(fn, links, "email").grantSend(fn);
  for (const setting of manifest.settings) {
    const values = SETTINGS[setting](fn, links);
    values.forEach((value, index) => {
      const variable = SETTING_VARIABLES[setting][index];
      if (variable) fn.function.addEnvironment(variable, value);
    });
  }
}
