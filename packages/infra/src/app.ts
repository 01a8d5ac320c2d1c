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
import { EventsStack } from "./stacks/events-stack.js";

export interface HearthStacks {
  config: EnvironmentConfig;
  data: DataStack;
  auth: AuthStack;
  app: AppStack;
  events: EventsStack;
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
    description: `Hearth ${config.name}: the REST API, its functions, the cursor secret, alarms`,
    tables: data.tables,
    userPool: auth.userPool,
    userPoolClient: auth.webClient,
    signInTrigger: auth.signInTrigger.function,
  });
  const events = new EventsStack(app, stackName(config, "Events"), {
    ...common,
    config,
    description: `Hearth ${config.name}: stream processors, digests, SES events, the WebSocket API, their alarms`,
    tables: data.tables,
    userPool: auth.userPool,
    userPoolClient: auth.webClient,
    sesEvents: auth.sesEvents,
    apiUrl: stack.restApi.api.url,
    cursorSecret: stack.cursorSecret.secret,
    alarmTopic: stack.alarms.topic,
  });
  // Both name the files bucket rather than referencing it, so the order is said outright:
  // Data → Auth → App → Events.
  stack.addStackDependency(data);
  events.addStackDependency(stack);
  if (options.nag ?? true) Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
  return { config, data, auth, app: stack, events };
}
