import type { Context } from "hono";

/**
 * Sets a header on the answer already made. Hono's `c.header()` after the handler rebuilds the
 * answer from its body (`new Response(res.body, res)`): on @hono/node-server that turns the
 * cheap cached Response into a real one with a web stream that is then read back chunk by chunk,
 * the largest single cost of a small answer in the ingest profile. Setting the header on the
 * answer's own headers keeps it cheap; `c.header()` remains for immutable headers (a fetched
 * Response's).
 */
export function setResponseHeader(c: Context, name: string, value: string): void {
  try {
    c.res.headers.set(name, value);
  } catch {
    c.header(name, value);
  }
}
