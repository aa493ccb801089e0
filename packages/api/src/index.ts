export { createApp } from "./app.ts";
export { createApiDeps } from "./create-deps.ts";
export type { ApiDeps } from "./deps.ts";
export { createEventWriter, type NewEvent } from "./ingest/persist.ts";
export { createMetricsApp } from "./metrics/app.ts";
