import { type App, Validations } from "aws-cdk-lib";
import {
  type ConfigFile,
  type EnvironmentConfig,
  type EnvironmentName,
  environmentConfig,
  loadConfigFile,
  stackName,
} from "./config.js";
import { AwsSolutionsChecks } from "./nag.js";
import { AppStack } from "./stacks/app-stack.js";
import { AuthStack } from "./stacks/auth-stack.js";
import { DataStack } from "./stacks/data-stack.js";

export interface HearthStacks {
  config: EnvironmentConfig;
  data: DataStack;
  auth: AuthStack;
  app: AppStack;
}

/**
 * Adds one environment's stacks to `app`: the environment comes from the `env` context
 * value (`cdk synth -c env=prod`) and its values from the config file named by the `config`
 * context value (`-c config=path.json`), unless given in `options`. cdk-nag's
 * AwsSolutionsChecks validates every stack at synthesis unless `nag: false` (tests run the
 * checks themselves to inspect the findings).
 */
export function addHearthStacks(
  app: App,
  options: { nag?: boolean; environment?: EnvironmentName; configFile?: ConfigFile } = {},
): HearthStacks {
  const configPath = app.node.tryGetContext("config") as string | undefined;
  const file = options.configFile ?? (configPath ? loadConfigFile(configPath) : undefined);
  const config = environmentConfig(options.environment ?? app.node.tryGetContext("env"), file);
  const env =
    config.account || config.region ? { account: config.account, region: config.region } : undefined;
  const common = {
    env,
    terminationProtection: config.production,
    tags: { app: "hearth", environment: config.name },
  };

  const data = new DataStack(app, stackName(config, "Data"), {
    ...common,
    config,
    description: `Hearth ${config.name}: tables and attachments`,
  });
  const auth = new AuthStack(app, stackName(config, "Auth"), {
    ...common,
    config,
    description: `Hearth ${config.name}: Cognito user pool`,
    tables: data.tables,
  });
  const stack = new AppStack(app, stackName(config, "App"), {
    ...common,
    config,
    description: `Hearth ${config.name}: API, functions, stream processors, alarms`,
    tables: data.tables,
    userPool: auth.userPool,
    userPoolClient: auth.webClient,
    signInTrigger: auth.signInTrigger.function,
    sesEvents: auth.sesEvents,
  });
  // The app stack names the attachments bucket rather than referencing it.
  stack.addStackDependency(data);
  if (options.nag ?? true) Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
  return { config, data, auth, app: stack };
}
