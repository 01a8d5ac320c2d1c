import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import type { Server } from "node:http";
import { join } from "node:path";
import { CognitoIdentityProviderClient } from "@aws-sdk/client-cognito-identity-provider";
import { DynamoDBStreamsClient } from "@aws-sdk/client-dynamodb-streams";
import { S3Client } from "@aws-sdk/client-s3";
import {
  API_FUNCTION_TIMEOUT_SECONDS,
  REALTIME_ACTIONS,
  REALTIME_REPLYING_ROUTES,
  REALTIME_TOKEN_PARAMETER,
  ROUTES,
} from "@hearth/api-handlers";
import { generateOpenApiDocument } from "@hearth/api-handlers/openapi";
import {
  CursorCodec,
  createDocumentClient,
  createRepositories,
  createTables,
  deleteTables,
  FUNCTION_TIMEOUT_ENV,
  PHOTO_HOSTS_ENV,
  RATE_LIMITS_ENV,
  RecordFailuresRepository,
  streamArnOf,
  tableEnvironment,
} from "@hearth/domain";
import { assertJavaAvailable, localClient } from "@hearth/domain/dynamodb-local";
import {
  type EmailEventsHandler,
  EVENT_FUNCTIONS,
  EVENT_MANIFESTS,
  matchesFilterPattern,
  processorTimeoutSeconds,
  STREAM_SUBSCRIPTIONS,
  streamBatchingOf,
} from "@hearth/stream-processors";
import { CheckpointStore } from "./checkpoints.js";
import {
  createCognitoTriggerServer,
  type PreTokenGenerationHandler,
  SIGN_IN_TRIGGER_NAME,
} from "./cognito-triggers.js";
import type { LocalStackConfig } from "./config.js";
import { DeadLetterFile, notedCauses } from "./dead-letters.js";
import { startDynamoGate } from "./dynamodb-gate.js";
import { startCognito, startDynamoDb, startS3, startSes, useExternalDynamoDb } from "./engines.js";
import {
  createApiHandlers,
  createDigestFunction,
  createRealtimeFunctions,
  createStreamProcessors,
  LOCAL_DIGEST_FUNCTION_NAME,
  localCursorSecret,
  processorEnvironment,
} from "./functions.js";
import { createGateway } from "./gateway.js";
import { createLambdaContext } from "./lambda-context.js";
import { type StackOutputs, writeOutputs } from "./outputs.js";
import { assertPortFree } from "./ports.js";
import { ProcessGroup } from "./processes.js";
import { ensureBucket, ensureUserPool } from "./provision.js";
import { createLocalScheduler } from "./scheduler.js";
import { seedDemoData } from "./seed.js";
import { SES_EVENTS_PATH } from "./ses-events.js";
import { StreamPoller } from "./stream-poller.js";
import { createIdTokenVerifier } from "./token-verifier.js";
import { createWebSocketGateway, managementEndpoint } from "./websocket-gateway.js";

/** Credentials every local engine accepts (s3rver knows only this key pair). */
const LOCAL_CREDENTIALS = { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" };

export interface RunningStack {
  outputs: StackOutputs;
  /** True when this start seeded the demo users (and the demo content, if the tables lacked it). */
  seeded: boolean;
  deadLetters: DeadLetterFile;
  stop(): Promise<void>;
}

export interface StartOptions {
  reset?: boolean;
  log?: (line: string) => void;
}

function listen(server: Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
}

/** Written once the demo data is in: a start interrupted while seeding seeds again next time. */
const SEEDED_MARKER = "seeded";

/** Kept between runs so pagination cursors handed out before a restart stay valid. */
const cursorSecret = localCursorSecret;

/**
 * Starts the whole system locally: engines, the resources the CDK stacks would create,
 * the handlers behind a local API Gateway and the processors behind local stream pollers.
 */
export async function startLocalStack(
  config: LocalStackConfig,
  options: StartOptions = {},
): Promise<RunningStack> {
  const log = options.log ?? (() => {});
  const { host, ports } = config;
  const dynamoDir = join(config.dataDir, "dynamodb");
  if (options.reset) {
    for (const part of [
      "dynamodb",
      "cognito",
      "s3",
      "stream-checkpoints.json",
      "dead-letters.jsonl",
      "schedules.json",
      "outputs.json",
      SEEDED_MARKER,
    ]) {
      rmSync(join(config.dataDir, part), { recursive: true, force: true });
    }
  }
  mkdirSync(config.dataDir, { recursive: true });

  // Fail before starting anything: a missing Java or a taken port is the user's to fix.
  if (!config.externalDynamoEndpoint) assertJavaAvailable();
  const portChecks = [
    ports.api,
    ports.cognito,
    ports.ses,
    ports.s3,
    ports.cognitoTriggers,
    ports.scheduler,
    ports.websocket,
  ];
  if (!config.externalDynamoEndpoint) portChecks.push(ports.dynamodb);
  for (const { port, envVar } of portChecks) await assertPortFree(host, port, envVar);

  // The SDK's default credential chain (used by the handlers' S3 presigner) must never pick up
  // real AWS credentials here, and s3rver accepts only its own key pair.
  process.env.AWS_ACCESS_KEY_ID = LOCAL_CREDENTIALS.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = LOCAL_CREDENTIALS.secretAccessKey;
  delete process.env.AWS_SESSION_TOKEN;
  delete process.env.AWS_PROFILE;

  const group = new ProcessGroup();
  const closers: Array<() => Promise<void>> = [];
  const stop = async () => {
    for (const close of closers.splice(0).reverse()) await close().catch(() => {});
    await group.stopAll();
  };
  try {
    // The user pool's sign-in trigger, served before cognito-local starts so it can be configured
    // with it; the handler itself is built once the tables exist (sign-ins before that fail).
    let signInTrigger: PreTokenGenerationHandler | undefined;
    let emailEvents: EmailEventsHandler | undefined;
    let cognitoForTriggers: CognitoIdentityProviderClient | undefined;
    const triggerServer = createCognitoTriggerServer({
      signIn: () => {
        if (!signInTrigger) throw new Error("The local stack is still starting");
        return signInTrigger;
      },
      sesEvents: () => {
        if (!emailEvents) throw new Error("The local stack is still starting");
        return emailEvents;
      },
      cognito: () => {
        if (!cognitoForTriggers) throw new Error("The local stack is still starting");
        return cognitoForTriggers;
      },
      log,
    });
    // A configured port like the others: an ephemeral one could take a port chosen for another engine.
    await listen(triggerServer, host, ports.cognitoTriggers.port);
    closers.push(
      () =>
        new Promise<void>((resolve) => {
          triggerServer.close(() => resolve());
          triggerServer.closeAllConnections();
        }),
    );
    const triggerPort = ports.cognitoTriggers.port;

    const [dynamoEndpoint, cognitoEndpoint, sesEndpoint, s3Endpoint] = await Promise.all([
      config.externalDynamoEndpoint
        ? useExternalDynamoDb(config.externalDynamoEndpoint)
        : startDynamoDb(group, { host, port: ports.dynamodb.port }, dynamoDir),
      startCognito(group, { host, port: ports.cognito.port }, join(config.dataDir, "cognito"), {
        lambdaEndpoint: `http://${host}:${triggerPort}`,
        functions: { PreTokenGeneration: SIGN_IN_TRIGGER_NAME },
      }),
      startSes(group, { host, port: ports.ses.port }),
      startS3(group, { host, port: ports.s3.port }, join(config.dataDir, "s3")),
    ]);

    const dynamo = localClient(dynamoEndpoint);
    const cognito = new CognitoIdentityProviderClient({
      endpoint: cognitoEndpoint,
      region: config.region,
      credentials: LOCAL_CREDENTIALS,
    });
    const s3 = new S3Client({
      endpoint: s3Endpoint,
      region: config.region,
      forcePathStyle: true,
      credentials: LOCAL_CREDENTIALS,
    });
    cognitoForTriggers = cognito;
    closers.push(async () => {
      dynamo.destroy();
      cognito.destroy();
      s3.destroy();
    });

    // An external DynamoDB outlives us: a reset there means dropping our tables.
    if (options.reset && config.externalDynamoEndpoint) await deleteTables(dynamo, config.tablePrefix);
    const [tables, pool] = await Promise.all([
      createTables(dynamo, config.tablePrefix),
      ensureUserPool(cognito, config.userPoolName, config.userPoolClientName),
      ensureBucket(s3, config.attachmentsBucket, config.allowedOrigins),
    ]);
    const seedMarker = join(config.dataDir, SEEDED_MARKER);
    const seeding = config.seed && (pool.created || !existsSync(seedMarker));
    if (seeding) {
      const doc = createDocumentClient({
        stage: config.stage,
        endpoint: dynamoEndpoint,
        region: config.region,
      });
      closers.push(async () => doc.destroy());
      const repositories = createRepositories({
        doc,
        tables,
        cursors: new CursorCodec(cursorSecret(config.dataDir)),
      });
      const seeded = await seedDemoData(cognito, pool.userPoolId, repositories);
      if (!seeded.content) log("Demo users created; the tables already hold the demo content.");
      writeFileSync(seedMarker, `${new Date().toISOString()}\n`);
    }

    // The functions reach DynamoDB through the gate, which keeps the background's calls (stream
    // pollers, processors, digests) from queueing up in front of the ones someone waits on.
    const gate = await startDynamoGate(dynamoEndpoint, host);
    closers.push(() => gate.close());
    const common = {
      ...tableEnvironment(tables),
      STAGE: config.stage,
      DYNAMODB_ENDPOINT: gate.endpoints.interactive,
      AWS_REGION: config.region,
      LOG_LEVEL: process.env.LOG_LEVEL ?? "WARN",
    };
    const apiEnv = {
      ...common,
      // The functions' own timeouts, from the constants infra configures them with.
      [FUNCTION_TIMEOUT_ENV]: String(API_FUNCTION_TIMEOUT_SECONDS),
      CURSOR_SECRET: cursorSecret(config.dataDir),
      ALLOWED_ORIGINS: config.allowedOrigins.join(","),
      // The default limits unless RATE_LIMITS (JSON, the kinds to change) is set for `pnpm dev`.
      [RATE_LIMITS_ENV]: process.env[RATE_LIMITS_ENV],
      ATTACHMENTS_BUCKET: config.attachmentsBucket,
      S3_ENDPOINT: s3Endpoint,
      // Hosts a profile photo may link to: none unless PHOTO_HOSTS is set for `pnpm dev`.
      [PHOTO_HOSTS_ENV]: process.env[PHOTO_HOSTS_ENV],
      // The admin function adds approved people to ApprovedUsers there.
      USER_POOL_ID: pool.userPoolId,
      COGNITO_ENDPOINT: cognitoEndpoint,
    };
    const schedulerEndpoint = `http://${host}:${ports.scheduler.port}`;
    const processorEnv = processorEnvironment(config, {
      apiUrl: `http://${host}:${ports.api.port}`,
      tables,
      dynamoEndpoint: gate.endpoints.background,
      sesEndpoint,
      s3Endpoint,
      schedulerEndpoint,
      userPool: { userPoolId: pool.userPoolId, endpoint: cognitoEndpoint },
      websocketManagementEndpoint: managementEndpoint(host, ports.websocket.port, config.stage),
    });
    signInTrigger = EVENT_FUNCTIONS.signIn.build(common);
    emailEvents = EVENT_FUNCTIONS.emailEvents.build(common);
    const handlers = createApiHandlers(apiEnv);
    const processors = createStreamProcessors(processorEnv);
    // Digest schedules: kept by the local scheduler, which runs the digest function at their time.
    const digestFunction = createDigestFunction({
      ...processorEnv,
      [FUNCTION_TIMEOUT_ENV]: String(EVENT_MANIFESTS.digests.timeoutSeconds),
    });
    const scheduler = createLocalScheduler({
      file: join(config.dataDir, "schedules.json"),
      region: config.region,
      log,
      invoke: (input) =>
        digestFunction(
          input,
          createLambdaContext(
            LOCAL_DIGEST_FUNCTION_NAME,
            EVENT_MANIFESTS.digests.timeoutSeconds * 1000,
            config.region,
          ),
        ),
    });
    await listen(scheduler.server, host, ports.scheduler.port);
    closers.push(() => scheduler.close());

    const issuer = `${cognitoEndpoint}/${pool.userPoolId}`;
    const realtime = createRealtimeFunctions({
      ...common,
      [FUNCTION_TIMEOUT_ENV]: String(API_FUNCTION_TIMEOUT_SECONDS),
      // The authorizer verifies ID tokens of cognito-local's pool, as the deployed one does Cognito's.
      USER_POOL_ID: pool.userPoolId,
      USER_POOL_CLIENT_ID: pool.userPoolClientId,
      TOKEN_ISSUER: issuer,
    });
    const gateway = createGateway({
      routes: ROUTES,
      handlers,
      verifyToken: createIdTokenVerifier({ issuer, clientIds: [pool.userPoolClientId] }),
      allowedOrigins: config.allowedOrigins,
      openApiDocument: generateOpenApiDocument(),
      stage: config.stage,
      region: config.region,
      log,
    });
    await listen(gateway, host, ports.api.port);
    closers.push(
      () =>
        new Promise<void>((resolve) => {
          gateway.close(() => resolve());
          gateway.closeAllConnections();
        }),
    );

    const websocket = createWebSocketGateway({
      authorizer: realtime.authorizer,
      routes: realtime.routes,
      routeKeys: REALTIME_ACTIONS,
      replyingRoutes: REALTIME_REPLYING_ROUTES,
      tokenParameter: REALTIME_TOKEN_PARAMETER,
      stage: config.stage,
      region: config.region,
      functionTimeoutMs: API_FUNCTION_TIMEOUT_SECONDS * 1000,
      functionNames: {
        authorizer: `hearth-${config.stage}-realtime-authorizer`,
        routes: `hearth-${config.stage}-realtime-routes`,
      },
      log,
    });
    await listen(websocket.server, host, ports.websocket.port);
    closers.push(() => websocket.close());

    const streams = new DynamoDBStreamsClient({
      endpoint: gate.endpoints.background,
      region: config.region,
      credentials: { accessKeyId: "local", secretAccessKey: "local" },
    });
    closers.push(async () => streams.destroy());
    const checkpoints = new CheckpointStore(join(config.dataDir, "stream-checkpoints.json"));
    const deadLetters = new DeadLetterFile(join(config.dataDir, "dead-letters.jsonl"));
    const notesDoc = createDocumentClient({
      stage: config.stage,
      endpoint: dynamoEndpoint,
      region: config.region,
    });
    closers.push(async () => notesDoc.destroy());
    const recordFailures = new RecordFailuresRepository({
      doc: notesDoc,
      tables,
      cursors: new CursorCodec(cursorSecret(config.dataDir)),
    });
    for (const subscription of STREAM_SUBSCRIPTIONS) {
      const streamArn = await streamArnOf(dynamo, tables[subscription.table]);
      if (!streamArn) throw new Error(`Table ${tables[subscription.table]} has no stream`);
      const poller = new StreamPoller({
        streams,
        streamArn,
        processorName: subscription.processor,
        table: subscription.table,
        filterPatterns: subscription.filterPatterns,
        matches: matchesFilterPattern,
        processor: processors[subscription.processor],
        batching: streamBatchingOf(subscription.processor),
        functionTimeoutMs: processorTimeoutSeconds(subscription.processor) * 1000,
        checkpoints,
        deadLetters,
        causeOf: notedCauses(recordFailures, subscription.processor),
        region: config.region,
        log,
      });
      poller.start();
      closers.push(() => poller.stop());
    }

    const outputs: StackOutputs = {
      Region: config.region,
      ApiUrl: `http://${host}:${ports.api.port}/`,
      WebSocketUrl: `ws://${host}:${ports.websocket.port}`,
      UserPoolId: pool.userPoolId,
      UserPoolClientId: pool.userPoolClientId,
      AttachmentsBucket: config.attachmentsBucket,
      CognitoEndpoint: cognitoEndpoint,
      DynamoDbEndpoint: dynamoEndpoint,
      SesEndpoint: sesEndpoint,
      S3Endpoint: s3Endpoint,
      SesEventsEndpoint: `http://${host}:${triggerPort}${SES_EVENTS_PATH}`,
      SchedulerEndpoint: schedulerEndpoint,
    };
    writeOutputs(config.outputsFile, outputs);
    return { outputs, seeded: seeding, deadLetters, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
