import { randomBytes } from "node:crypto";
import { Logger } from "@aws-lambda-powertools/logger";
import type { LogLevel } from "@aws-lambda-powertools/logger/types";
import { Tracer } from "@aws-lambda-powertools/tracer";
import {
  CursorCodec,
  createDocumentClient,
  dynamoConfigFromEnv,
  ProfilesRepository,
  RevocationsRepository,
  tableNamesFromEnv,
} from "@hearth/domain";
import { signInManifest } from "./manifest.js";
import { createSignInTrigger, type SignInTriggerDependencies } from "./profile-on-sign-in.js";

/** The sign-in trigger's parts from its environment: the profiles and revocations repositories over DynamoDB, a logger, a tracer; no SES, no idempotency store. */
export function signInTriggerDependencies(env: NodeJS.ProcessEnv = process.env): SignInTriggerDependencies {
  // Active in Lambda (the stacks turn on X-Ray active tracing), a no-op outside it.
  const tracer = new Tracer({ serviceName: "hearth-sign-in" });
  const doc = tracer.captureAWSv3Client(createDocumentClient(dynamoConfigFromEnv(env)));
  const context = {
    doc,
    tables: tableNamesFromEnv(env),
    // Nothing here lists anything, so no cursor is ever signed.
    cursors: new CursorCodec(randomBytes(32).toString("hex")),
  };
  return {
    profiles: new ProfilesRepository(context),
    revocations: new RevocationsRepository(context),
    logger: new Logger({
      serviceName: "hearth-sign-in",
      logLevel: (env.LOG_LEVEL?.trim().toUpperCase() || "INFO") as LogLevel,
    }),
    tracer,
  };
}

/** Builds the sign-in trigger from its environment; tests replace parts with `overrides`. */
export function buildSignInTrigger(
  env: NodeJS.ProcessEnv = process.env,
  overrides: Partial<SignInTriggerDependencies> = {},
) {
  return createSignInTrigger({ ...signInTriggerDependencies(env), ...overrides });
}

export const signInFunction = { manifest: signInManifest, build: buildSignInTrigger };
