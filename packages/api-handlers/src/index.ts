export * from "@hearth/views/realtime-protocol";
export { type ApiHandler, createAreaHandler } from "./area-handler.js";
export { API_FUNCTION_TIMEOUT_SECONDS } from "./areas/area-manifest.js";
export * from "./functions.js";
export { buildProxyEvent, type ProxyEventInput } from "./http/proxy-event.js";
export { MAX_BODY_BYTES } from "./http/request.js";
export {
  CORS_ALLOWED_HEADERS,
  CORS_ALLOWED_METHODS,
  CORS_MAX_AGE_SECONDS,
  corsHeaders,
} from "./http/response.js";
export * from "./member-groups.js";
export * from "./realtime/authorizer.build.js";
export { createRealtimeAuthorizer, type RealtimeAuthorizerEvent } from "./realtime/authorizer.js";
export * from "./realtime/routes.build.js";
export {
  createRealtimeRoutes,
  MAX_CLIENT_MESSAGE_BYTES,
  type RealtimeRouteEvent,
  type RealtimeRouteResult,
} from "./realtime/routes.js";
export * from "./realtime/token-verifier.js";
export * from "./request-steps.js";
export * from "./routes.js";
export {
  ALLOWED_ATTACHMENT_TYPES,
  ATTACHMENT_CORS_MAX_AGE_SECONDS,
  ATTACHMENT_CORS_RULES,
  ATTACHMENT_KEY_PREFIX,
  MAX_ATTACHMENT_BYTES,
  PENDING_UPLOAD_TAGGING,
  UPLOAD_TAGGING_HEADER,
  UPLOAD_URL_EXPIRES_IN,
  uploadPrefix,
} from "./uploads.js";
