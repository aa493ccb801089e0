export { createApp } from "./app.ts";
export { createApiDeps } from "./create-deps.ts";
export type { ApiDeps } from "./deps.ts";
export { verifiers } from "./verify/index.ts";
