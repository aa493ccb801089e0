export * from "./redis-server.ts";
export * from "./sign.ts";
export * from "./stack.ts";
