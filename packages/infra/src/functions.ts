import { API_MANIFESTS, REALTIME_MANIFESTS } from "@hearth/api-handlers";
import type { FunctionManifest } from "@hearth/domain";
import { EVENT_MANIFESTS, PROCESSOR_MANIFESTS } from "@hearth/stream-processors";

/**
 * Every Lambda function of the app, from the manifests declared next to their code: the stacks
 * create one function per manifest, `pnpm bundle` writes `dist/functions/<name>/` for each, and
 * the benchmarks measure each.
 */
export const ALL_FUNCTIONS: readonly FunctionManifest[] = [
  ...Object.values(API_MANIFESTS),
  ...Object.values(PROCESSOR_MANIFESTS),
  ...Object.values(EVENT_MANIFESTS),
  ...Object.values(REALTIME_MANIFESTS),
];
