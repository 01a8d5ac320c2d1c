import { join } from "node:path";
import { App, Validations } from "aws-cdk-lib";
import { addHearthStacks } from "../src/app.js";
import { ENVIRONMENT_NAMES, FIXTURE_CONFIG_PATH, isEnvironmentName, loadConfigFile } from "../src/config.js";
import { cdkJsonContext } from "../src/context.js";
import { AwsSolutionsChecks } from "../src/nag.js";
import { REPO_ROOT } from "../src/paths.js";

/**
 * `pnpm synth [--config path.json] [env...]`: synthesizes every environment's stacks (or the
 * named ones) into cdk.out/all, built exactly as `cdk synth -c env=<env> -c config=<file>`
 * builds them (same stacks, cdk.json context, cdk-nag), in one app so each function is
 * bundled once for all environments. The config file defaults to the repository's fixture
 * (config/fixture.json), so CI synthesizes every environment. Offline: no lookups, no
 * credentials. Any cdk-nag error fails the run.
 */
const args = process.argv.slice(2);
const configFlag = args.indexOf("--config");
const configPath = configFlag >= 0 ? args[configFlag + 1] : FIXTURE_CONFIG_PATH;
if (!configPath) throw new Error("--config needs a path");
const configFile = loadConfigFile(configPath);
const requested = configFlag >= 0 ? args.filter((_, i) => i !== configFlag && i !== configFlag + 1) : args;
const unknown = requested.filter((name) => !isEnvironmentName(name));
if (unknown.length) throw new Error(`Unknown environment(s): ${unknown.join(", ")}`);
const environments = requested.length ? requested.filter(isEnvironmentName) : ENVIRONMENT_NAMES;

const outdir = join(REPO_ROOT, "cdk.out", "all");
const app = new App({ outdir, context: cdkJsonContext() });
const stacks = environments.map((environment) =>
  addHearthStacks(app, { environment, configFile, nag: false }),
);
Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
// Throws (a non-zero exit) on any unacknowledged cdk-nag error, naming the report file.
app.synth();
for (const { config, data, auth, app: main, events } of stacks) {
  console.log(`${config.name}: ${[data, auth, main, events].map((s) => s.stackName).join(", ")}`);
}
console.log(`→ ${outdir}`);
