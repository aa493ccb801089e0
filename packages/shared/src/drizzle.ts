// `@hookbox/shared/drizzle`: the drizzle schema and database, for the api's management queries.
// Kept out of the main entry point: importing drizzle-orm costs a process ~150 MB of transient
// heap (Node parses its 180 KB package.json once per module it loads), and the worker and the
// ingest path never need it.
export * from "./db/drizzle.ts";
export * from "./db/schema/index.ts";
