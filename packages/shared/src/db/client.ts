import { drizzle, type PostgresJsDatabase } from "drizzle-orm/postgres-js";
import postgres from "postgres";
import * as schema from "./schema/index.ts";

export type Sql = postgres.Sql;
export type Db = PostgresJsDatabase<typeof schema>;

export interface Database {
  /** postgres.js client, for the few hot statements written as SQL. */
  sql: Sql;
  /** drizzle over the same pool. */
  db: Db;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  max?: number;
  /** Seconds to wait for a connection before the query fails (an outage must surface fast). */
  connectTimeoutSeconds?: number;
  /** Server-side statement timeout. */
  statementTimeoutMs?: number;
  /** Name shown in pg_stat_activity. */
  applicationName?: string;
}

export function createDatabase(url: string, options: DatabaseOptions = {}): Database {
  const sql = postgres(url, {
    max: options.max ?? 10,
    connect_timeout: options.connectTimeoutSeconds ?? 2,
    idle_timeout: 60,
    max_lifetime: 60 * 30,
    onnotice: () => {},
    connection: {
      application_name: options.applicationName ?? "hookbox",
      statement_timeout: options.statementTimeoutMs ?? 5_000,
    },
  });
  const db = drizzle({ client: sql, schema });
  return { sql, db, close: () => sql.end({ timeout: 5 }) };
}

/**
 * Opens a connection and loads the server's types before the process serves traffic:
 * postgres.js sends array parameters wrongly ("malformed array literal") until it has.
 */
export async function warmUpDatabase(database: Database): Promise<void> {
  await database.sql`select ${database.sql.array([1])}::int[] as warm`;
}

/** true when Postgres answers a trivial query. */
export async function pingDatabase(database: Database): Promise<boolean> {
  try {
    await database.sql`select 1`;
    return true;
  } catch {
    return false;
  }
}
