/**
 * True for failures that mean "Postgres is not reachable right now" (connection refused,
 * dropped, timed out, shutting down, statement timeout) as opposed to a bad query.
 * Those become 503s and readiness failures, never 500s or crashes.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  if (typeof error !== "object" || error === null) return false;
  const code = (error as { code?: unknown }).code ?? (error as { cause?: { code?: unknown } }).cause?.code;
  if (typeof code !== "string") return false;
  return (
    code.startsWith("08") || // connection exceptions
    code === "57P01" || // admin shutdown
    code === "57P02" || // crash shutdown
    code === "57P03" || // cannot connect now
    code === "57014" || // statement timeout / cancelled
    code === "53300" || // too many connections
    NETWORK_CODES.has(code)
  );
}

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
