export * from "./checkpoints.js";
export * from "./config.js";
export * from "./dead-letters.js";
export * from "./gateway.js";
export * from "./outputs.js";
export * from "./stack.js";
export * from "./stream-poller.js";
export * from "./token-verifier.js";
