import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { build } from "esbuild";

/** Names a system Chromium or Chrome goes by on PATH, most likely first. */
const BROWSER_COMMANDS = ["chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome"];

export const NO_BROWSER_MESSAGE =
  "No Chromium or Chrome found for the browser test: install one (Debian/Ubuntu: `sudo apt-get install chromium`, macOS: Google Chrome) or set HEARTH_CHROMIUM=/path/to/chrome";

/**
 * The system browser to drive: HEARTH_CHROMIUM, else the first of the usual names on PATH,
 * else a usual install location; otherwise an error saying how to get one.
 */
export function findChromium(
  env: NodeJS.ProcessEnv = process.env,
  knownLocations: readonly string[] = ["/usr/bin/chromium"],
): string {
  if (env.HEARTH_CHROMIUM) {
    if (!existsSync(env.HEARTH_CHROMIUM))
      throw new Error(`HEARTH_CHROMIUM=${env.HEARTH_CHROMIUM} does not exist`);
    return env.HEARTH_CHROMIUM;
  }
  const directories = (env.PATH ?? "").split(delimiter).filter(Boolean);
  for (const command of BROWSER_COMMANDS) {
    for (const directory of directories) {
      if (existsSync(join(directory, command))) return join(directory, command);
    }
  }
  const known = knownLocations.find((location) => existsSync(location));
  if (known) return known;
  throw new Error(NO_BROWSER_MESSAGE);
}

/** Chromium's switches for a quiet, reproducible headless run that talks to nobody but the test. */
export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** A fresh profile directory for one run. */
export const freshProfileDir = () => mkdtempSync(join(tmpdir(), "hearth-chromium-"));

/** The test page's script: `browser/page.ts` with `@hearth/client`, bundled for browsers. */
export async function bundlePageScript(): Promise<string> {
  const result = await build({
    entryPoints: [join(import.meta.dirname, "browser/page.ts")],
    bundle: true,
    write: false,
    platform: "browser",
    format: "esm",
    target: "es2022",
    logLevel: "silent",
  });
  return result.outputFiles[0]!.text;
}

export const PAGE_HTML = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Hearth browser test</title></head>
<body>
  <h1>Hearth from another origin</h1>
  <p id="status">running</p>
  <ol id="steps"></ol>
  <script type="module" src="/page.js"></script>
</body>
</html>
`;
