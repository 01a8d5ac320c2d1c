import {
  type FunctionManifest,
  SETTING_VARIABLES,
  type Setting,
  type TableName,
  tableNamesWithPrefix,
  tableSpec,
} from "@hearth/domain";
import { fixtureConfig } from "../src/config.js";

const config = fixtureConfig("prod");

/** Dummy values of each setting, in the order of `SETTING_VARIABLES` (prod stage, no local endpoints). */
const DUMMY_SETTINGS: { [S in Setting]: string[] } = {
  allowedOrigins: [config.allowedOrigins.join(",")],
  rateLimits: [JSON.stringify(config.rateLimits)],
  // As in AWS: the import builds the Secrets Manager client; the secret is read on the first request.
  cursorSecret: ["arn:aws:secretsmanager:eu-west-1:123456789012:secret:hearth-bench-cursor-AbCdEf"],
  filesBucket: ["hearth-bench-attachments"],
  userPool: ["eu-west-1_BenchPool"],
  userPoolClient: ["bench-client"],
  email: [config.senderEmail, config.siteUrl, "hearth-bench"],
  apiUrl: ["https://abc123.execute-api.eu-west-1.amazonaws.com/bench/"],
  notificationWindow: [String(config.notificationWindowMinutes)],
  photoHosts: ["photos.example.org"],
  digestSchedules: [
    "hearth-bench-digests",
    "arn:aws:iam::123456789012:role/hearth-bench-digest-scheduler",
    "arn:aws:lambda:eu-west-1:123456789012:function:hearth-bench-digests",
    "arn:aws:sqs:eu-west-1:123456789012:hearth-bench-digest-dead-letters",
  ],
  webSocketManagement: ["https://bench123.execute-api.eu-west-1.amazonaws.com/prod"],
};

/** What the stacks put in each function's environment (from its manifest), with dummy names and secrets. */
export function dummyEnvironmentOf(definition: FunctionManifest): Record<string, string> {
  const names = tableNamesWithPrefix("hearth-bench-");
  const environment: Record<string, string> = {
    STAGE: config.name,
    LOG_LEVEL: config.logLevel,
    POWERTOOLS_SERVICE_NAME: `hearth-${definition.name}`,
    AWS_REGION: "eu-west-1",
    AWS_ACCESS_KEY_ID: "bench-access-key",
    AWS_SECRET_ACCESS_KEY: "bench-secret-key",
  };
  for (const table of Object.keys(definition.tables) as TableName[]) {
    environment[tableSpec(table).envVar] = names[table];
  }
  for (const setting of definition.settings) {
    SETTING_VARIABLES[setting].forEach((variable, index) => {
      environment[variable] = DUMMY_SETTINGS[setting][index] ?? "";
    });
  }
  return environment;
}
