import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

/**
 * The API's contract served by the local gateway without a token: `GET /openapi.json` and an
 * interactive reference at `GET /docs` (Swagger UI from node_modules, no CDN). The deployed
 * API does not serve these.
 */
export const OPENAPI_PATH = "/openapi.json";
export const DOCS_PATH = "/docs";

const SWAGGER_UI_DIR = dirname(createRequire(import.meta.url).resolve("swagger-ui-dist/package.json"));
/** Swagger UI's files the page loads, by the name it is served under (`/docs/<name>`). */
const ASSETS: Record<string, string> = {
  "swagger-ui.css": "text/css; charset=utf-8",
  "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
  "favicon-32x32.png": "image/png",
};

// A separate script rather than an inline one, so the page works under a strict CSP too.
const INIT_SCRIPT = `window.ui = SwaggerUIBundle({
  url: "${OPENAPI_PATH}",
  dom_id: "#swagger-ui",
  deepLinking: true,
  persistAuthorization: true,
});
`;

const PAGE = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Hearth API (local)</title>
  <link rel="icon" type="image/png" href="${DOCS_PATH}/favicon-32x32.png">
  <link rel="stylesheet" href="${DOCS_PATH}/swagger-ui.css">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="${DOCS_PATH}/swagger-ui-bundle.js"></script>
  <script src="${DOCS_PATH}/init.js"></script>
</body>
</html>
`;

export interface DocsReply {
  statusCode: number;
  headers: Record<string, string>;
  body: string | Buffer;
}

const reply = (contentType: string, body: string | Buffer): DocsReply => ({
  statusCode: 200,
  headers: { "Content-Type": contentType, "Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff" },
  body,
});

/** The docs' answer to `GET`/`HEAD` of one of their paths, or undefined for any other request. */
export function apiDocsReply(method: string, rawPath: string, document: unknown): DocsReply | undefined {
  if (method !== "GET" && method !== "HEAD") return undefined;
  if (rawPath === OPENAPI_PATH)
    return reply("application/json; charset=utf-8", JSON.stringify(document, null, 2));
  if (rawPath === DOCS_PATH || rawPath === `${DOCS_PATH}/`) return reply("text/html; charset=utf-8", PAGE);
  if (rawPath === `${DOCS_PATH}/init.js`) return reply("text/javascript; charset=utf-8", INIT_SCRIPT);
  const asset = rawPath.startsWith(`${DOCS_PATH}/`) ? rawPath.slice(DOCS_PATH.length + 1) : undefined;
  const contentType = asset ? ASSETS[asset] : undefined;
  if (!asset || !contentType) return undefined;
  return reply(contentType, readFileSync(join(SWAGGER_UI_DIR, asset)));
}
