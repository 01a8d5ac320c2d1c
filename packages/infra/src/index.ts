export * from "./app.js";
export * from "./bundling.js";
export * from "./config.js";
export * from "./functions.js";
export * from "./grants.js";
export { AppStack, OUTPUT_KEYS, type OutputKey } from "./stacks/app-stack.js";
export { AuthStack, USER_GROUPS } from "./stacks/auth-stack.js";
export { DataStack } from "./stacks/data-stack.js";
