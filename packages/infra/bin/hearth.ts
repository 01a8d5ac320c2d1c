import { App } from "aws-cdk-lib";
import { addHearthStacks } from "../src/app.js";

/**
 * The CDK app: `cdk synth|deploy -c env=dev|staging|prod -c config=path.json` (the file's
 * shape and defaults in src/config.ts; config/fixture.json is an example).
 */
addHearthStacks(new App());
