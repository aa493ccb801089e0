export * from "./load.ts";
export * from "./postgres-server.ts";
export * from "./processes.ts";
export * from "./redis-server.ts";
export * from "./stack.ts";
