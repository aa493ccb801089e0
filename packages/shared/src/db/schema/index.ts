export * from "./alerts.ts";
export * from "./api-keys.ts";
export * from "./attempts.ts";
export * from "./events.ts";
export * from "./rejections.ts";
export * from "./sources.ts";
export * from "./steps.ts";
export * from "./tenants.ts";
