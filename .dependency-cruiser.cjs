// The import rules `pnpm lint` enforces over packages/**. Type-only imports count:
// a circle through types still couples the modules, and the layering is about
// what a package knows of another, not what ends up in a bundle.

/** A package's own code, as opposed to its tests, benchmarks and scripts. */
const src = (pkg) => `^packages/${pkg}/src/`;

/** Every package a layer must not know about, as one path pattern. */
const packages = (...names) => `^packages/(${names.join("|")})/`;

/** Modules that exist to help tests: test folders and the domain's testing kit. */
const testSupport = ["(^|/)test/", "^packages/[^/]+/src/testing/"];

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: "no-circular",
      severity: "error",
      comment:
        "No import circles anywhere: each module can be read, tested and bundled on top of what it imports.",
      from: {},
      to: { circular: true },
    },
    {
      name: "domain-is-the-bottom",
      severity: "error",
      comment: "domain knows nothing of views, handlers, processors, infra, the local stack or the client.",
      from: { path: "^packages/domain/" },
      to: { path: packages("views", "api-handlers", "stream-processors", "infra", "local", "client") },
    },
    {
      name: "views-below-handlers",
      severity: "error",
      comment: "views sit on domain only; handlers and processors use views, never the other way.",
      from: { path: "^packages/views/" },
      to: { path: packages("api-handlers", "stream-processors", "infra", "local", "client") },
    },
    {
      name: "api-handlers-below-infra",
      severity: "error",
      comment:
        "api-handlers code knows nothing of the processors, infra, the local stack or the client (its tests may drive the processors).",
      from: { path: src("api-handlers") },
      to: { path: packages("stream-processors", "infra", "local", "client") },
    },
    {
      name: "stream-processors-below-infra",
      severity: "error",
      comment: "stream-processors know nothing of the API handlers, infra, the local stack or the client.",
      from: { path: "^packages/stream-processors/" },
      to: { path: packages("api-handlers", "infra", "local", "client") },
    },
    {
      name: "infra-and-local-apart",
      severity: "error",
      comment:
        "infra and the local stack both compose the handlers; neither's code builds on the other (their benchmarks share a results writer).",
      from: { path: "^packages/(infra|local)/src/" },
      to: { path: packages("infra", "local"), pathNot: "^packages/$1/" },
    },
    {
      name: "client-is-generated",
      severity: "error",
      comment:
        "The client ships to frontends: its code imports no workspace package (only its generator reads the OpenAPI file).",
      from: { path: src("client") },
      to: { path: packages("domain", "views", "api-handlers", "stream-processors", "infra", "local") },
    },
    {
      name: "http-layer-is-generic",
      severity: "error",
      comment:
        "api-handlers/src/http is the generic HTTP layer: it imports only itself, @hearth/domain and npm packages, never the app's routes, contracts or dependencies.",
      from: { path: "^packages/api-handlers/src/http/" },
      to: {
        path: "^packages/",
        pathNot: ["^packages/api-handlers/src/http/", "^packages/domain/src/"],
      },
    },
    {
      name: "no-test-support-in-src",
      severity: "error",
      comment: "Shipped code never imports test helpers; only the test-support modules themselves may.",
      from: { path: "^packages/[^/]+/src/", pathNot: testSupport },
      to: { path: testSupport },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: ["node_modules", "/cdk\\.out/", "/dist/", "/\\.local/"] },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: {
      exportsFields: ["exports"],
      conditionNames: ["import", "require", "node", "default", "types"],
      extensions: [".ts", ".js", ".cjs", ".mjs", ".json"],
    },
  },
};
