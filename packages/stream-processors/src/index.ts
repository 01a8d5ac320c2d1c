export * from "./activity/aggregate.js";
export * from "./dependencies.js";
export * from "./filters.js";
export * from "./notifications/emails.js";
export * from "./notifications/notify.js";
export * from "./processor.js";
export * from "./stream-change.js";
export * from "./stream-records.js";
