import {
  API_AREAS,
  API_HANDLER_ENTRIES,
  type ApiArea,
  REALTIME_FUNCTION_ENTRIES,
  REALTIME_FUNCTION_NAMES,
  type RealtimeFunctionName,
} from "@hearth/api-handlers";
import {
  DIGEST_FUNCTION_ENTRY,
  EMAIL_EVENTS_ENTRY,
  PROCESSOR_ENTRIES,
  PROCESSOR_NAMES,
  type ProcessorName,
  SIGN_IN_TRIGGER_ENTRY,
} from "@hearth/stream-processors";

/**
 * Every Lambda function of the app, named once: the stacks create one NodejsFunction per
 * entry and `pnpm bundle` writes `dist/functions/<name>/` for each.
 */
export interface ApiFunctionDefinition {
  kind: "api";
  name: `api-${ApiArea}`;
  area: ApiArea;
  entry: string;
}
export interface ProcessorFunctionDefinition {
  kind: "processor";
  name: `stream-${ProcessorName}`;
  processor: ProcessorName;
  entry: string;
}
/** A Cognito trigger of the user pool (lives in the Auth stack, next to the pool). */
export interface TriggerFunctionDefinition {
  kind: "trigger";
  name: "auth-sign-in";
  entry: string;
}
/** The SES event handler: subscribed to the configuration set's bounce and complaint topic. */
export interface EmailEventsFunctionDefinition {
  kind: "email-events";
  name: "ses-email-events";
  entry: string;
}
/** The notification digests: invoked by each window's one-time EventBridge Scheduler schedule. */
export interface DigestFunctionDefinition {
  kind: "digest";
  name: "notification-digests";
  entry: string;
}
/** A function of the WebSocket API: its `$connect` authorizer, or the one behind all its routes. */
export interface RealtimeFunctionDefinition {
  kind: "realtime";
  name: RealtimeFunctionName;
  entry: string;
}
export type FunctionDefinition =
  | ApiFunctionDefinition
  | ProcessorFunctionDefinition
  | TriggerFunctionDefinition
  | EmailEventsFunctionDefinition
  | DigestFunctionDefinition
  | RealtimeFunctionDefinition;

export const API_FUNCTIONS: readonly ApiFunctionDefinition[] = API_AREAS.map((area) => ({
  kind: "api",
  name: `api-${area}`,
  area,
  entry: API_HANDLER_ENTRIES[area],
}));

export const PROCESSOR_FUNCTIONS: readonly ProcessorFunctionDefinition[] = PROCESSOR_NAMES.map(
  (processor) => ({
    kind: "processor",
    name: `stream-${processor}`,
    processor,
    entry: PROCESSOR_ENTRIES[processor],
  }),
);

export const SIGN_IN_FUNCTION: TriggerFunctionDefinition = {
  kind: "trigger",
  name: "auth-sign-in",
  entry: SIGN_IN_TRIGGER_ENTRY,
};

export const EMAIL_EVENTS_FUNCTION: EmailEventsFunctionDefinition = {
  kind: "email-events",
  name: "ses-email-events",
  entry: EMAIL_EVENTS_ENTRY,
};

export const DIGEST_FUNCTION: DigestFunctionDefinition = {
  kind: "digest",
  name: "notification-digests",
  entry: DIGEST_FUNCTION_ENTRY,
};

export const REALTIME_FUNCTIONS: readonly RealtimeFunctionDefinition[] = REALTIME_FUNCTION_NAMES.map(
  (name) => ({ kind: "realtime", name, entry: REALTIME_FUNCTION_ENTRIES[name] }),
);

export const ALL_FUNCTIONS: readonly FunctionDefinition[] = [
  ...API_FUNCTIONS,
  ...PROCESSOR_FUNCTIONS,
  SIGN_IN_FUNCTION,
  EMAIL_EVENTS_FUNCTION,
  DIGEST_FUNCTION,
  ...REALTIME_FUNCTIONS,
];
