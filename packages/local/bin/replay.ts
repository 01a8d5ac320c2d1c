import { GetFunctionConfigurationCommand, InvokeCommand, LambdaClient } from "@aws-sdk/client-lambda";
import { S3Client } from "@aws-sdk/client-s3";
import { createDocumentClient, tableNamesWithPrefix } from "@hearth/domain";
import { configFromEnv } from "../src/config.js";
import { DeadLetterFile } from "../src/dead-letters.js";
import { createStreamProcessors, processorEnvironment } from "../src/functions.js";
import { readOutputs } from "../src/outputs.js";
import {
  batchesInS3,
  failureNotesOfEnvironment,
  failureNotesReader,
  groupedCauses,
  lambdaInvoker,
  type ReplayOutcome,
  replayBatches,
  replayLocalDeadLetters,
  withNotedCauses,
} from "../src/replay.js";
import { managementEndpoint } from "../src/websocket-gateway.js";

/**
 * `pnpm replay local`: the local stack's dead letters (.local/dead-letters.jsonl) back through
 * its processors (the stack must be running: they use its DynamoDB and SES).
 * `pnpm replay <env> <s3-uri>`: the failure records under an S3 URI (one object or a prefix
 * of the environment's failed-records bucket) back through the deployed function that failed
 * them, with the default AWS credentials and region.
 * Replaying is idempotent; records that fail again are listed and the exit code is 1.
 */
const args = process.argv.slice(2).filter((arg) => arg !== "--");
const USAGE = "Usage: pnpm replay local | pnpm replay <dev|staging|prod> s3://<bucket>/<key-or-prefix>";

async function replayLocal(): Promise<ReplayOutcome[]> {
  const config = configFromEnv();
  const outputs = readOutputs(config.outputsFile);
  if (
    !outputs.DynamoDbEndpoint ||
    !outputs.SesEndpoint ||
    !outputs.S3Endpoint ||
    !outputs.CognitoEndpoint ||
    !outputs.WebSocketUrl
  ) {
    throw new Error(
      `${config.outputsFile} names no local DynamoDB/SES/S3/Cognito/WebSocket endpoint; start the stack with pnpm dev`,
    );
  }
  const webSocket = new URL(outputs.WebSocketUrl);
  const file = new DeadLetterFile(`${config.dataDir}/dead-letters.jsonl`);
  const processors = createStreamProcessors(
    processorEnvironment(config, {
      apiUrl: outputs.ApiUrl,
      tables: tableNamesWithPrefix(config.tablePrefix),
      dynamoEndpoint: outputs.DynamoDbEndpoint,
      sesEndpoint: outputs.SesEndpoint,
      s3Endpoint: outputs.S3Endpoint,
      // A replayed comment may hold an event for a digest: scheduled on the running stack's scheduler.
      schedulerEndpoint: outputs.SchedulerEndpoint ?? `http://${config.host}:${config.ports.scheduler.port}`,
      userPool: { userPoolId: outputs.UserPoolId, endpoint: outputs.CognitoEndpoint },
      websocketManagementEndpoint: managementEndpoint(
        webSocket.hostname,
        Number(webSocket.port),
        config.stage,
      ),
    }),
    // Nobody retries a replayed batch at once: no pause before answering.
    { retryPauseMs: 0 },
  );
  return replayLocalDeadLetters(file.read(), file.path, processors, config.region, console.log);
}

async function replayDeployed(environment: string, uri: string): Promise<ReplayOutcome[]> {
  const s3 = new S3Client({});
  const lambda = new LambdaClient({});
  const doc = createDocumentClient({ stage: environment });
  try {
    // Why each record failed: noted by the function that failed it, in its own IdempotencyRecords table.
    const batches = await withNotedCauses(
      await batchesInS3(s3, uri),
      failureNotesOfEnvironment(
        environment,
        async (functionArn) =>
          (await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: functionArn }))).Environment
            ?.Variables,
      ),
      failureNotesReader(doc),
      console.warn,
    );
    const causes = groupedCauses(batches);
    if (causes.length) console.log(["Causes of the failed records:", ...causes].join("\n"));
    return await replayBatches(
      batches,
      lambdaInvoker((input) => lambda.send(new InvokeCommand(input)), environment),
    );
  } finally {
    s3.destroy();
    lambda.destroy();
    doc.destroy();
  }
}

const [target, uri, ...rest] = args;
let outcomes: ReplayOutcome[];
if (target === "local" && !uri) outcomes = await replayLocal();
else if (target && ["dev", "staging", "prod"].includes(target) && uri?.startsWith("s3://") && !rest.length) {
  outcomes = await replayDeployed(target, uri);
} else {
  console.error(USAGE);
  process.exit(2);
}
for (const outcome of outcomes) {
  const status = outcome.failed.length
    ? `FAILED ${outcome.failed.length}/${outcome.records}${outcome.error ? ` (${outcome.error})` : ""}`
    : `replayed ${outcome.records}`;
  console.log(`${outcome.source}  ${status}`);
}
const failed = outcomes.filter((o) => o.failed.length).length;
console.log(`${outcomes.length} batch(es), ${failed} failed again`);
process.exitCode = failed ? 1 : 0;
