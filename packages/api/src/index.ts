export { createApp } from "./app.ts";
export { createApiDeps } from "./create-deps.ts";
export type { ApiDeps } from "./deps.ts";
