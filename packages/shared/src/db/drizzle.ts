import { drizzle, type PostgresJsDatabase } from "drizzle-orm/postgres-js";
import { createPool, type PoolOptions, type Sql } from "./client.ts";
import * as schema from "./schema/index.ts";

export type Db = PostgresJsDatabase<typeof schema>;

export interface Database {
  /** postgres.js pool, for the hot statements written as SQL. */
  sql: Sql;
  /** drizzle over a pool of its own (management queries). */
  db: Db;
  close(): Promise<void>;
}

export interface DatabaseOptions extends PoolOptions {
  /** Connections of the drizzle pool (management queries). */
  drizzleMax?: number;
}

/**
 * Two pools: `sql` for the hot paths, with postgres.js's own (de)serialization of dates and
 * JSON, and a small one for drizzle. drizzle rewrites its client's date and JSON serializers
 * to pass values through untouched, which would break raw queries sharing that client.
 */
export function createDatabase(url: string, options: DatabaseOptions = {}): Database {
  const name = options.applicationName ?? "hookbox";
  const sql = createPool(url, { ...options, applicationName: name });
  const drizzleClient = createPool(url, {
    ...options,
    max: options.drizzleMax ?? 4,
    applicationName: `${name}-drizzle`,
  });
  const db = drizzle({ client: drizzleClient, schema });
  return {
    sql,
    db,
    close: async () => {
      await Promise.all([sql.end({ timeout: 5 }), drizzleClient.end({ timeout: 5 })]);
    },
  };
}
