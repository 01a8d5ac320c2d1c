import { ParameterNotFoundError } from "@aws-lambda-powertools/parameters/errors";
import { SecretsProvider } from "@aws-lambda-powertools/parameters/secrets";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { secretsClientOptionsFromEnv } from "../aws/clients.js";
import { type CursorKeys, cursorSecretFromEnv } from "./keys.js";

/**
 * The cursor secret at runtime, for every function that signs with it (the API's cursors, the
 * unsubscribe links the notification processor writes and the API checks). A subpath of its
 * own (`@hearth/domain/cursor-keys`), so only bundles that read the secret carry Secrets Manager.
 */

/** How long a container keeps the secret before asking again: a rotation is picked up within this. */
export const CURSOR_KEYS_MAX_AGE_SECONDS = 300;

/** Where the cursor keys come from. `load` runs before every request, so it must be cheap (cached). */
export interface CursorKeySource {
  load(): Promise<CursorKeys>;
}

/** Keys that never change: `CURSOR_SECRET` locally and in tests. */
export function fixedCursorKeys(keys: CursorKeys): CursorKeySource {
  return { load: async () => keys };
}

export interface SecretsManagerCursorKeysOptions {
  client?: SecretsManagerClient;
  maxAgeSeconds?: number;
}

/**
 * The cursor keys from a Secrets Manager secret through Powertools Parameters: its
 * `AWSCURRENT` value signs, its `AWSPREVIOUS` value (when the secret was ever rotated) still
 * verifies, both cached for `maxAgeSeconds`.
 */
export class SecretsManagerCursorKeys implements CursorKeySource {
  // Powertools caches by secret name and transform, not by version stage, so each stage
  // needs its own provider (cache) or the previous value would come back as the current one.
  private readonly currentStage: SecretsProvider;
  private readonly previousStage: SecretsProvider;
  private readonly maxAgeSeconds: number;
  /** A secret never rotated has no previous value; remembered so it is not asked on every request. */
  private previousMissingUntil = 0;

  constructor(
    private readonly secretArn: string,
    options: SecretsManagerCursorKeysOptions = {},
  ) {
    const client = options.client ?? new SecretsManagerClient(secretsClientOptionsFromEnv());
    this.currentStage = new SecretsProvider({ awsSdkV3Client: client });
    this.previousStage = new SecretsProvider({ awsSdkV3Client: client });
    this.maxAgeSeconds = options.maxAgeSeconds ?? CURSOR_KEYS_MAX_AGE_SECONDS;
  }

  async load(): Promise<CursorKeys> {
    const [current, previous] = await Promise.all([
      this.stage(this.currentStage, "AWSCURRENT"),
      this.previous(),
    ]);
    if (current === undefined) throw new Error("The cursor secret has no AWSCURRENT value");
    return { current, previous: previous === undefined ? [] : [previous] };
  }

  private async previous(): Promise<string | undefined> {
    if (Date.now() < this.previousMissingUntil) return undefined;
    try {
      return await this.stage(this.previousStage, "AWSPREVIOUS");
    } catch (error) {
      if (!(error instanceof ParameterNotFoundError)) throw error;
      this.previousMissingUntil = Date.now() + this.maxAgeSeconds * 1000;
      return undefined;
    }
  }

  private async stage(
    provider: SecretsProvider,
    stage: "AWSCURRENT" | "AWSPREVIOUS",
  ): Promise<string | undefined> {
    const value = await provider.get(this.secretArn, {
      maxAge: this.maxAgeSeconds,
      throwOnMissing: true,
      sdkOptions: { VersionStage: stage },
    });
    if (value !== undefined && typeof value !== "string") {
      throw new Error(`The cursor secret's ${stage} value must be a string`);
    }
    return value;
  }
}

/**
 * `CURSOR_SECRET_ARN` (in AWS: the secret is read at runtime, never put in the environment)
 * or else `CURSOR_SECRET` / the development secret (locally and in tests). `capture` wraps the
 * Secrets Manager client (the API's tracer records its calls).
 */
export function cursorKeySourceFromEnv(
  env: NodeJS.ProcessEnv = process.env,
  capture: (client: SecretsManagerClient) => SecretsManagerClient = (client) => client,
): CursorKeySource {
  const secretArn = env.CURSOR_SECRET_ARN;
  if (!secretArn) return fixedCursorKeys({ current: cursorSecretFromEnv(env) });
  const client = new SecretsManagerClient(secretsClientOptionsFromEnv(env));
  return new SecretsManagerCursorKeys(secretArn, { client: capture(client) });
}
