import { spawn } from "node:child_process";
import { mkdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { gzipSync } from "node:zlib";
import type { FunctionManifest as FunctionDefinition } from "@hearth/domain";
import { build } from "esbuild";
import { type BundleResult, bundleFunction, esbuildBuildOptions } from "../src/bundle.js";
import { BUNDLE_FILE, esbuildSettingsFor } from "../src/bundling.js";
import { ALL_FUNCTIONS } from "../src/functions.js";
import { REPO_ROOT } from "../src/paths.js";
import { dummyEnvironmentOf } from "./environment.js";
import { failOverBudget, formatTable, intOption, machineInfo, median, writeResult } from "./results.js";

/**
 * `pnpm bench:bundles [--runs N] [--check]`: bundles every function exactly as the stacks do
 * (`bundleFunction` uses the shared ESBUILD_SETTINGS), and beside each a bare handler built
 * with the same settings from the same AWS SDK clients, so what Hearth adds on top of the SDK
 * shows per function. Then it imports each bundle in a fresh `node` N times with the
 * environment its function gets (dummy values, prod stage) and reports the median cold import
 * time; `--check` skips the timing (what CI runs). Any bundle over MAX_BUNDLE_KIB fails the run.
 */
const runs = intOption("runs", 9);
const checkOnly = process.argv.includes("--check");
/** The most a function's bundle may weigh: past it, the run fails. */
const MAX_BUNDLE_KIB = 660;
const distDir = join(REPO_ROOT, "dist", "bench", "functions");
const bareDir = join(REPO_ROOT, "dist", "bench", "bare-sdk");

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

/** The directories of the AWS SDK client packages (and the document client) a bundle carries code of. */
function sdkClientPackages(bundle: BundleResult): string[] {
  const found = new Set<string>();
  for (const [input, bytes] of Object.entries(bundle.bytesByInput)) {
    if (bytes === 0) continue;
    const match = /^(.*node_modules\/@aws-sdk\/(?:client-[^/]+|lib-dynamodb))\//.exec(input);
    if (match) found.add(join(REPO_ROOT, match[1]!));
  }
  return [...found].sort();
}

/** The client class a package exports (`DynamoDBClient`, `DynamoDBDocumentClient`, …). */
function clientClassOf(packageDir: string): string {
  const exported = createRequire(join(packageDir, "package.json"))(packageDir) as Record<string, unknown>;
  const name = Object.keys(exported).find(
    (key) =>
      /^[A-Z]\w*Client$/.test(key) &&
      typeof exported[key] === "function" &&
      typeof (exported[key] as { prototype?: { send?: unknown } }).prototype?.send === "function",
  );
  if (!name) throw new Error(`No client class in ${packageDir}`);
  return name;
}

/**
 * A handler that does nothing but build the same SDK clients as the function (the exact
 * package versions its bundle holds), bundled with the function's esbuild settings: the
 * SDK's share of the function, the rest being Hearth's own.
 */
async function bareSdkBundle(definition: FunctionDefinition, bundle: BundleResult): Promise<number> {
  const packages = sdkClientPackages(bundle);
  const outdir = join(bareDir, definition.name);
  await rm(outdir, { recursive: true, force: true });
  await mkdir(outdir, { recursive: true });
  const lines: string[] = [];
  const made: string[] = [];
  const lowLevel = packages.find((dir) => dir.endsWith("/client-dynamodb"));
  packages.forEach((dir, index) => {
    const name = clientClassOf(dir);
    lines.push(`import { ${name} as Client${index} } from ${JSON.stringify(dir)};`);
    made.push(
      name === "DynamoDBDocumentClient"
        ? `Client${index}.from(new Client${packages.indexOf(lowLevel!)}({}))`
        : `new Client${index}({})`,
    );
  });
  lines.push(`const clients = [${made.join(", ")}];`);
  lines.push("export const handler = async () => ({ statusCode: 200, body: String(clients.length) });");
  const entry = join(outdir, "entry.mjs");
  await writeFile(entry, `${lines.join("\n")}\n`);
  await build(esbuildBuildOptions(entry, outdir, esbuildSettingsFor(definition)));
  return (await stat(join(outdir, BUNDLE_FILE))).size;
}

console.log(
  `Bundling ${ALL_FUNCTIONS.length} functions into ${distDir}, and bare SDK handlers beside them …`,
);
const bundles: BundleResult[] = [];
const bareBytes: number[] = [];
for (const definition of ALL_FUNCTIONS) {
  const bundle = await bundleFunction(definition, distDir);
  bundles.push(bundle);
  bareBytes.push(await bareSdkBundle(definition, bundle));
}

const samples = new Map<string, ImportSample[]>(bundles.map((bundle) => [bundle.name, []]));
const targets = ALL_FUNCTIONS.map((definition, index) => ({
  name: definition.name,
  path: join(bundles[index]!.outdir, BUNDLE_FILE),
  env: { PATH: process.env.PATH ?? "", ...dummyEnvironmentOf(definition) },
}));
if (checkOnly) {
  console.log("--check: sizes only, no import timing");
} else {
  console.log(`Importing each bundle in a fresh node, ${runs} runs (plus one warm-up) …`);
  for (const target of targets) await importOnce(target.path, target.env);
  // Round-robin, so a noisy moment on the machine spreads over every function alike.
  for (let run = 0; run < runs; run++) {
    for (const target of targets) samples.get(target.name)!.push(await importOnce(target.path, target.env));
  }
}
const stat1 = (values: number[], pick: (v: number[]) => number) =>
  values.length ? Number(pick(values).toFixed(1)) : null;

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
      /** The same SDK clients alone, bundled the same way; `bytes` minus this is Hearth's own. */
      bareSdkBytes: bareBytes[index]!,
      sdkClients: sdkClientPackages(bundle).map((dir) => dir.replace(/^.*node_modules\//, "")),
      presignsUploads:
        definition.kind === "api" &&
        (definition.files ?? []).some((access) => access.actions.includes("s3:PutObject")),
      importMs: checkOnly
        ? null
        : {
            median: stat1(importMs, median),
            min: stat1(importMs, (v) => Math.min(...v)),
            max: stat1(importMs, (v) => Math.max(...v)),
            samples: importMs.map((ms) => Number(ms.toFixed(1))),
          },
      rssMiBMedian: checkOnly
        ? null
        : Number((median(measured.map((sample) => sample.rssBytes)) / 2 ** 20).toFixed(1)),
      largestContributorsBytes: largestContributors(bundle),
    };
  }),
);

console.log(
  `\n${formatTable(
    [
      "function",
      "size KiB",
      "bare SDK KiB",
      "Hearth's own KiB",
      "gzip KiB",
      ...(checkOnly ? [] : ["import ms (median)", "min", "max", "RSS MiB"]),
    ],
    functions.map((f) => [
      f.name,
      kib(f.bytes),
      kib(f.bareSdkBytes),
      kib(f.bytes - f.bareSdkBytes),
      kib(f.gzipBytes),
      ...(f.importMs && f.rssMiBMedian !== null
        ? [
            String(f.importMs.median?.toFixed(1)),
            String(f.importMs.min?.toFixed(1)),
            String(f.importMs.max?.toFixed(1)),
            f.rssMiBMedian.toFixed(1),
          ]
        : []),
    ]),
  )}`,
);
const path = await writeResult("bundles", {
  benchmark: "bundles",
  measuredAt: new Date().toISOString(),
  runs: checkOnly ? 0 : runs,
  maxBundleKiB: MAX_BUNDLE_KIB,
  machine: machineInfo(),
  esbuild: "ESBUILD_SETTINGS from packages/infra/src/bundling.ts (the stacks' settings)",
  functions,
});
console.log(`\nWrote ${path}`);

const tooLarge = functions.filter((f) => f.bytes > MAX_BUNDLE_KIB * 1024);
if (tooLarge.length) {
  console.error(`\nOver the ${MAX_BUNDLE_KIB} KiB bundle budget:`);
  for (const f of tooLarge)
    console.error(`  ${f.name}: ${kib(f.bytes)} KiB (Hearth's own ${kib(f.bytes - f.bareSdkBytes)} KiB)`);
  failOverBudget();
} else {
  console.log(`Every bundle is within ${MAX_BUNDLE_KIB} KiB.`);
}
