export * from "./admin-dependencies.js";
export { createApiHandler, routeHandlerFor } from "./api-handler.js";
export { type ApiHandler, createAreaHandler } from "./area-handler.js";
export * from "./dependencies.js";
export { buildProxyEvent, type ProxyEventInput } from "./http/proxy-event.js";
export { MAX_BODY_BYTES } from "./http/request.js";
export {
  CORS_ALLOWED_HEADERS,
  CORS_ALLOWED_METHODS,
  CORS_MAX_AGE_SECONDS,
  corsHeaders,
} from "./http/response.js";
export * from "./routes.js";
export {
  ALLOWED_ATTACHMENT_TYPES,
  ATTACHMENT_CORS_MAX_AGE_SECONDS,
  ATTACHMENT_CORS_RULES,
  MAX_ATTACHMENT_BYTES,
  PENDING_UPLOAD_TAGGING,
  UPLOAD_TAGGING_HEADER,
  UPLOAD_URL_EXPIRES_IN,
  uploadPrefix,
} from "./uploads.js";
