import { App } from "aws-cdk-lib";
import { addHearthStacks } from "../src/app.js";

/** The CDK app: `cdk synth|deploy -c env=dev|staging|prod` (settings in src/config.ts). */
addHearthStacks(new App());
