import { buildSignInTrigger } from "./build.js";

/** Lambda entry of the Cognito Pre Token Generation trigger; built once per container. */
export const handler = buildSignInTrigger();
