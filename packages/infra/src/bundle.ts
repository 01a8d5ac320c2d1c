import { mkdir, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import type { FunctionManifest } from "@hearth/domain";
import { type BuildOptions, build, type Metafile } from "esbuild";
import { BUNDLE_FILE, ESBUILD_SETTINGS, esbuildSettingsFor } from "./bundling.js";
import { REPO_ROOT } from "./paths.js";

/** ESBUILD_SETTINGS in esbuild's own API terms, for one entry written to `outdir`. */
export function esbuildBuildOptions(
  entry: string,
  outdir: string,
  settings = ESBUILD_SETTINGS,
): BuildOptions {
  return {
    entryPoints: [entry],
    outfile: join(outdir, BUNDLE_FILE),
    bundle: true,
    platform: "node",
    // NodejsFunction runs esbuild from the project root; so do we, for identical output.
    absWorkingDir: REPO_ROOT,
    target: settings.target,
    format: settings.format,
    minify: settings.minify,
    sourcemap: settings.sourcemap,
    treeShaking: settings.treeShaking,
    mainFields: [...settings.mainFields],
    external: [...settings.external],
    banner: { js: settings.banner },
    metafile: true,
    logLevel: settings.logLevel,
  };
}

export interface BundleResult {
  name: string;
  outdir: string;
  bytes: number;
  /** Source files esbuild read for the bundle, relative to the repo root. */
  inputs: string[];
  /** Bytes each input contributes to the bundle after tree shaking; 0 when shaken out entirely. */
  bytesByInput: Record<string, number>;
}

/** Bundles one function into `<distDir>/<name>/` (emptied first). */
export async function bundleFunction(definition: FunctionManifest, distDir: string): Promise<BundleResult> {
  const outdir = join(distDir, definition.name);
  await rm(outdir, { recursive: true, force: true });
  await mkdir(outdir, { recursive: true });
  const result = await build(esbuildBuildOptions(definition.entry, outdir, esbuildSettingsFor(definition)));
  const metafile = result.metafile as Metafile;
  const { size } = await stat(join(outdir, BUNDLE_FILE));
  const output = Object.values(metafile.outputs).find((candidate) => candidate.entryPoint !== undefined);
  const bytesByInput = Object.fromEntries(
    Object.keys(metafile.inputs).map((input) => [input, output?.inputs[input]?.bytesInOutput ?? 0]),
  );
  return { name: definition.name, outdir, bytes: size, inputs: Object.keys(metafile.inputs), bytesByInput };
}
