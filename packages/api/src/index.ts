export { createApp } from "./app.ts";
export { type ApiDeps, createApiDeps } from "./deps.ts";
export { verifiers } from "./verify/index.ts";
