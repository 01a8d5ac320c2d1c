import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { freePort } from "@hearth/domain/testing";
import type { TestProject } from "vitest/node";
import { configFromEnv, DEFAULT_OUTPUTS_FILE } from "../src/config.js";
import { readOutputs } from "../src/outputs.js";
import { startLocalStack } from "../src/stack.js";

declare module "vitest" {
  export interface ProvidedContext {
    outputsFile: string;
    /** Where the browser test serves its page: an origin the API and the bucket allow, not the API's. */
    browserPageOrigin: string;
    /**
     * The notification window of the stack this run started (a few seconds, so digests arrive
     * during the run); 0 for a stack started elsewhere, whose window this run cannot know.
     */
    notificationWindowSeconds: number;
  }
}

/** The throwaway stack's window: long enough for a burst to land in it, short enough to wait for its digest. */
const E2E_NOTIFICATION_WINDOW_SECONDS = "12";

/** The page origin for a stack this run did not start: one its CORS rules allow (the dev default). */
const DEFAULT_PAGE_ORIGIN = "http://127.0.0.1:5173";

async function apiAnswers(apiUrl: string): Promise<boolean> {
  try {
    const response = await fetch(apiUrl, { signal: AbortSignal.timeout(2000) });
    await response.body?.cancel();
    return true;
  } catch {
    return false;
  }
}

/**
 * Uses the stack the outputs file describes (HEARTH_OUTPUTS, default `.local/outputs.json`)
 * when its API answers; otherwise starts a throwaway local stack on free ports for this run.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const requested = resolve(process.env.HEARTH_OUTPUTS || DEFAULT_OUTPUTS_FILE);
  if (existsSync(requested) && (await apiAnswers(readOutputs(requested).ApiUrl))) {
    project.provide("outputsFile", requested);
    project.provide("browserPageOrigin", process.env.HEARTH_BROWSER_ORIGIN || DEFAULT_PAGE_ORIGIN);
    project.provide("notificationWindowSeconds", 0);
    return async () => {};
  }
  if (process.env.HEARTH_OUTPUTS) {
    throw new Error(
      `The stack in ${requested} does not answer; start it or drop HEARTH_OUTPUTS to run a local one`,
    );
  }
  const dataDir = mkdtempSync(join(tmpdir(), "hearth-e2e-"));
  const browserPageOrigin = `http://127.0.0.1:${await freePort()}`;
  const config = configFromEnv({ ...process.env, HEARTH_LOCAL_DIR: dataDir });
  for (const setting of Object.values(config.ports)) setting.port = await freePort();
  config.allowedOrigins = [...config.allowedOrigins, browserPageOrigin];
  // The processors read it when the stack builds them (the local stack passes it through).
  process.env.NOTIFICATION_WINDOW_SECONDS ||= E2E_NOTIFICATION_WINDOW_SECONDS;
  const stack = await startLocalStack({ ...config, seed: false });
  project.provide("notificationWindowSeconds", Number(process.env.NOTIFICATION_WINDOW_SECONDS));
  project.provide("outputsFile", config.outputsFile);
  project.provide("browserPageOrigin", browserPageOrigin);
  return async () => {
    await stack.stop();
    rmSync(dataDir, { recursive: true, force: true });
  };
}
