import { fileURLToPath } from "node:url";

/** The monorepo root: NodejsFunction's project root and the home of the lockfile and esbuild. */
export const REPO_ROOT = fileURLToPath(new URL("../../../", import.meta.url));
export const LOCKFILE = fileURLToPath(new URL("../../../pnpm-lock.yaml", import.meta.url));
