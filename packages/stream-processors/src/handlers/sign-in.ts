import { createSignInTrigger, signInTriggerDependenciesFromEnv } from "../sign-in/profile-on-sign-in.js";

/** Lambda entry of the Cognito Pre Token Generation trigger; dependencies are built once per container. */
export const handler = createSignInTrigger(signInTriggerDependenciesFromEnv());
