import postgres from "postgres";

export type Sql = postgres.Sql;

export interface PoolOptions {
  max?: number;
  /** Seconds to wait for a connection before the query fails (an outage must surface fast). */
  connectTimeoutSeconds?: number;
  /** Server-side statement timeout. */
  statementTimeoutMs?: number;
  /** Name shown in pg_stat_activity. */
  applicationName?: string;
}

/** A postgres.js pool: every hot path (ingest, the worker) is written as SQL on one of these. */
export function createPool(url: string, options: PoolOptions = {}): Sql {
  return postgres(url, {
    max: options.max ?? 10,
    connect_timeout: options.connectTimeoutSeconds ?? 2,
    idle_timeout: 60,
    max_lifetime: 60 * 30,
    // Seconds before a failed connection is retried. postgres.js backs off up to 20 s by
    // default, which keeps the pool (and every ingest) waiting long after Postgres is back.
    backoff: (attempt: number) => Math.min(0.05 * 2 ** attempt, 1),
    onnotice: () => {},
    connection: {
      application_name: options.applicationName ?? "hookbox",
      statement_timeout: options.statementTimeoutMs ?? 5_000,
      // No JIT: Hookbox's statements are short, and the planner's estimates for the batched
      // claim over partitions (a CTE joined back to an UPDATE) crossed jit_above_cost, so each
      // claim compiled its expressions for every partition — 3.9 s a claim instead of 9 ms.
      jit: "off",
    },
  });
}

/**
 * Opens a connection and loads the server's types before the process serves traffic:
 * postgres.js sends array parameters wrongly ("malformed array literal") until it has.
 */
export async function warmUpDatabase(sql: Sql): Promise<void> {
  // A plain query: the first connection fetches the array types as it opens.
  await sql`select 1`;
  await sql`select ${sql.array([1])}::int[] as warm`;
}

/**
 * true when Postgres answers and takes writes: a read-only server (a standby after a failover,
 * `default_transaction_read_only = on`) answers reads but refuses every ingest, so it is not ready.
 */
export async function pingDatabase(sql: Sql): Promise<boolean> {
  try {
    const [row] = await sql<
      { readOnly: string }[]
    >`select current_setting('transaction_read_only') as "readOnly"`;
    return row?.readOnly === "off";
  } catch {
    return false;
  }
}

/** Thrown by `boundedQuery` when Postgres did not answer in time (treated as unavailable). */
export class QueryTimeoutError extends Error {
  readonly code = "QUERY_TIMEOUT";
  constructor(ms: number) {
    super(`postgres did not answer within ${ms} ms`);
    this.name = "QueryTimeoutError";
  }
}

/**
 * Runs a query with a client-side deadline. The server's statement_timeout does not help when
 * the server is gone: postgres.js then keeps a query queued until it can reconnect, which would
 * hold an ingest for as long as the outage lasts. On timeout the query is cancelled (a queued one
 * is dropped, so it cannot commit after we answered 503).
 */
export async function boundedQuery<T>(
  query: postgres.PendingQuery<T extends readonly postgres.MaybeRow[] ? T : never>,
  ms: number,
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return (await Promise.race([
      query,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          // The cancel request itself can fail (the session was just terminated): never unhandled.
          Promise.resolve(query.cancel()).catch(() => {});
          reject(new QueryTimeoutError(ms));
        }, ms);
      }),
    ])) as T;
  } finally {
    clearTimeout(timer);
  }
}
