// One vitest project per package; vitest.config.ts feeds this list into `test.projects`.
export default [
  "packages/domain",
  "packages/views",
  "packages/api-handlers",
  "packages/stream-processors",
  "packages/infra",
  "packages/local",
  "packages/client",
];
