import { spawn } from "node:child_process";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { gzipSync } from "node:zlib";
import {
  type FunctionManifest as FunctionDefinition,
  SETTING_VARIABLES,
  type Setting,
  type TableName,
  tableNamesWithPrefix,
  tableSpec,
} from "@hearth/domain";
import { type BundleResult, bundleFunction } from "../src/bundle.js";
import { BUNDLE_FILE } from "../src/bundling.js";
import { fixtureConfig } from "../src/config.js";
import { ALL_FUNCTIONS } from "../src/functions.js";
import { REPO_ROOT } from "../src/paths.js";
import { formatTable, intOption, machineInfo, median, writeResult } from "./results.js";

/**
 * `pnpm bench:bundles [--runs N]`: bundles every function exactly as the stacks do
 * (`bundleFunction` uses the shared ESBUILD_SETTINGS), then imports each bundle in a fresh
 * `node` N times with the environment its function gets (dummy values, prod stage) and
 * reports size and the median cold import time.
 */
const runs = intOption("runs", 9);
const distDir = join(REPO_ROOT, "dist", "bench", "functions");
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
  digestSchedules: [
    "hearth-bench-digests",
    "arn:aws:iam::123456789012:role/hearth-bench-digest-scheduler",
    "arn:aws:lambda:eu-west-1:123456789012:function:hearth-bench-digests",
    "arn:aws:sqs:eu-west-1:123456789012:hearth-bench-digest-dead-letters",
  ],
  webSocketManagement: ["https://bench123.execute-api.eu-west-1.amazonaws.com/prod"],
};

/** What the stacks put in each function's environment (from its manifest), with dummy names and secrets. */
function environmentOf(definition: FunctionDefinition): Record<string, string> {
  const names = tableNamesWithPrefix("hearth-bench-");
  const environment: Record<string, string> = {
    PATH: process.env.PATH ?? "",
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

// The child times only the import: Node's own start-up is the same for every bundle.
const IMPORT_SCRIPT = `
const started = performance.now();
const module = await import(process.env.BENCH_BUNDLE_URL);
const importMs = performance.now() - started;
if (typeof module.handler !== "function") throw new Error("the bundle exports no handler");
process.stdout.write(JSON.stringify({ importMs, rssBytes: process.memoryUsage().rss }));
`;

interface ImportSample {
  importMs: number;
  rssBytes: number;
}

function importOnce(bundlePath: string, env: Record<string, string>): Promise<ImportSample> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--input-type=module", "--eval", IMPORT_SCRIPT], {
      env: { ...env, BENCH_BUNDLE_URL: pathToFileURL(bundlePath).href },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk;
    });
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk;
    });
    child.on("error", reject);
    child.on("close", (code) => {
      if (code !== 0) return reject(new Error(`Importing ${bundlePath} failed (exit ${code}):\n${stderr}`));
      resolve(JSON.parse(stdout) as ImportSample);
    });
  });
}

/** The packages (or workspace packages) that contribute most to a bundle. */
function largestContributors(bundle: BundleResult, count = 8): Record<string, number> {
  const byPackage = new Map<string, number>();
  for (const [input, bytes] of Object.entries(bundle.bytesByInput)) {
    const dependency = /node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?((?:@[^/]+\/)?[^/]+)/.exec(input);
    const owner = dependency?.[1] ?? input.replace(/^packages\/([^/]+)\/.*$/, "@hearth/$1");
    byPackage.set(owner, (byPackage.get(owner) ?? 0) + bytes);
  }
  return Object.fromEntries([...byPackage].sort((a, b) => b[1] - a[1]).slice(0, count));
}

const kib = (bytes: number) => (bytes / 1024).toFixed(1);

console.log(`Bundling ${ALL_FUNCTIONS.length} functions into ${distDir} …`);
const bundles: BundleResult[] = [];
for (const definition of ALL_FUNCTIONS) bundles.push(await bundleFunction(definition, distDir));

const samples = new Map<string, ImportSample[]>(bundles.map((bundle) => [bundle.name, []]));
const targets = ALL_FUNCTIONS.map((definition, index) => ({
  name: definition.name,
  path: join(bundles[index]!.outdir, BUNDLE_FILE),
  env: environmentOf(definition),
}));
console.log(`Importing each bundle in a fresh node, ${runs} runs (plus one warm-up) …`);
for (const target of targets) await importOnce(target.path, target.env);
// Round-robin, so a noisy moment on the machine spreads over every function alike.
for (let run = 0; run < runs; run++) {
  for (const target of targets) samples.get(target.name)!.push(await importOnce(target.path, target.env));
}

const functions = await Promise.all(
  bundles.map(async (bundle, index) => {
    const code = await readFile(join(bundle.outdir, BUNDLE_FILE));
    const measured = samples.get(bundle.name)!;
    const importMs = measured.map((sample) => sample.importMs);
    const definition = ALL_FUNCTIONS[index]!;
    return {
      name: bundle.name,
      bytes: bundle.bytes,
      gzipBytes: gzipSync(code, { level: 9 }).length,
      presignsUploads:
        definition.kind === "api" &&
        (definition.files ?? []).some((access) => access.actions.includes("s3:PutObject")),
      importMs: {
        median: Number(median(importMs).toFixed(1)),
        min: Number(Math.min(...importMs).toFixed(1)),
        max: Number(Math.max(...importMs).toFixed(1)),
        samples: importMs.map((ms) => Number(ms.toFixed(1))),
      },
      rssMiBMedian: Number((median(measured.map((sample) => sample.rssBytes)) / 2 ** 20).toFixed(1)),
      largestContributorsBytes: largestContributors(bundle),
    };
  }),
);

console.log(
  `\n${formatTable(
    ["function", "size KiB", "gzip KiB", "import ms (median)", "min", "max", "RSS MiB"],
    functions.map((f) => [
      f.name,
      kib(f.bytes),
      kib(f.gzipBytes),
      f.importMs.median.toFixed(1),
      f.importMs.min.toFixed(1),
      f.importMs.max.toFixed(1),
      f.rssMiBMedian.toFixed(1),
    ]),
  )}`,
);
const path = await writeResult("bundles", {
  benchmark: "bundles",
  measuredAt: new Date().toISOString(),
  runs,
  machine: machineInfo(),
  esbuild: "ESBUILD_SETTINGS from packages/infra/src/bundling.ts (the stacks' settings)",
  functions,
});
console.log(`\nWrote ${path}`);
