/**
 * True for failures that mean "Postgres cannot take this right now" as opposed to a bad query:
 * not reachable (refused, dropped, timed out), refusing sessions (not accepting connections,
 * connection limits, an administrator's `pg_terminate_backend`, shutting down), out of
 * resources (disk full, memory), read-only (a standby after a failover), statement timeout.
 * Those become 503s with `Retry-After` and readiness failures, never 500s or crashes; the pool
 * reconnects by itself when Postgres takes work again.
 *
 * By SQLSTATE (https://www.postgresql.org/docs/current/errcodes-appendix.html):
 * - class 08 connection exception, class 53 insufficient resources (53100 disk full, 53200 out
 *   of memory, 53300 too many connections, 53400 configuration limit exceeded);
 * - 57P01 admin shutdown (also `pg_terminate_backend`), 57P02 crash shutdown, 57P03 cannot
 *   connect now (starting up, shutting down, in recovery), 57P05 idle session timeout, 57014
 *   statement timeout / cancelled;
 * - 25006 read-only transaction: `default_transaction_read_only = on` or a demoted primary;
 * - any FATAL error: the server ended the session, whatever the code (e.g. 55000 "database is not
 *   currently accepting connections", 3D000 the database is gone, 28xxx a refused login).
 *
 * Not here: 40001 serialization failure and 40P01 deadlock. They are transient too, but their
 * answer is "try again at once", which is what batched writers do with a failed batch (row by
 * row) — this predicate tells them instead to stop and fail fast. `isTransientDatabaseError`
 * covers both, for the places that only choose an HTTP answer.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  const { code, severity } = postgresFields(error);
  if (severity === "FATAL" || severity === "PANIC") return true;
  if (code === undefined) return false;
  return (
    code.startsWith("08") || code.startsWith("53") || UNAVAILABLE_CODES.has(code) || NETWORK_CODES.has(code)
  );
}

/** Unavailable, or a transaction that lost a race (40001, 40P01): worth a retry, never a 500. */
export function isTransientDatabaseError(error: unknown): boolean {
  if (isDatabaseUnavailable(error)) return true;
  const { code } = postgresFields(error);
  return code === "40001" || code === "40P01";
}

/** 57014: the statement ran past its `statement_timeout` (or was cancelled). */
export function isStatementTimeout(error: unknown): boolean {
  return postgresFields(error).code === "57014";
}

/** The SQLSTATE (or driver/network code) and severity, from the error or its `cause` (drizzle wraps). */
function postgresFields(error: unknown): { code?: string; severity?: string } {
  if (typeof error !== "object" || error === null) return {};
  const own = error as { code?: unknown; severity?: unknown; cause?: unknown };
  const cause = typeof own.cause === "object" && own.cause !== null ? (own.cause as typeof own) : {};
  const code = own.code ?? cause.code;
  const severity = own.severity ?? cause.severity;
  return {
    ...(typeof code === "string" ? { code } : {}),
    ...(typeof severity === "string" ? { severity } : {}),
  };
}

const UNAVAILABLE_CODES = new Set(["57P01", "57P02", "57P03", "57P05", "57014", "25006"]);

const NETWORK_CODES = new Set([
  "QUERY_TIMEOUT",
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "EHOSTUNREACH",
  "CONNECT_TIMEOUT",
  "CONNECTION_CLOSED",
  "CONNECTION_ENDED",
  "CONNECTION_DESTROYED",
]);
