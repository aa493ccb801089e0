// Issue 14, item 7 (starvation): tenant B's long `/v1/stats` queries ran on ingest's pool and
// could take every connection, so tenant A's ingest waited behind them (or answered 503). They run
// on a management pool of their own now (MANAGEMENT_POOL_MAX, MANAGEMENT_STATEMENT_TIMEOUT_MS).

import { seedEvents } from "@hookbox/shared/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApi, type TestApi } from "./helpers.ts";

/** Tenant A's ingest, while B hammers stats: every answer 202, the slowest under this. */
const INGEST_BOUND_MS = 1_000;
const SEEDED = 150_000;
const STATS_CLIENTS = 12;
const LOAD_MS = 4_000;

let api: TestApi;
let keyB: string;

beforeAll(async () => {
  // Ingest's pool as small as the management pool: without the split, B's stats take both.
  api = await createTestApi("stats-starvation", { DATABASE_POOL_MAX: "2", MANAGEMENT_POOL_MAX: "2" });
  const t = await api.call("POST", "/v1/tenants", { name: "tenant-b" });
  const tenantB = ((await t.json()) as { id: string }).id;
  const k = await api.call("POST", "/v1/api-keys", { name: "b", tenantId: tenantB });
  keyB = ((await k.json()) as { key: string }).key;
  const src = await api.call("POST", "/v1/sources", { slug: "b-src", scheme: "none", handlers: [] }, keyB);
  const sourceB = ((await src.json()) as { id: string }).id;
  await api.createSource({ slug: "a-src", scheme: "none", handlers: [] });
  // Tenant B's history: enough settled rows that stats over all of it takes a while.
  await seedEvents(
    api.deps.sql,
    [
      "id",
      "tenant_id",
      "source_id",
      "idempotency_key",
      "event_type",
      "status",
      "received_at",
      "completed_at",
      "headers",
      "body",
      "size",
    ],
    (sql) => sql`
      SELECT (lpad(to_hex((extract(epoch FROM t) * 1000)::bigint), 12, '0') || '70008000' ||
              lpad(to_hex(g), 12, '0'))::uuid, -- uuid v7 of its time: ranges are id ranges
             ${tenantB}::uuid, ${sourceB}::uuid, 'k' || g, 'type.' || (g % 50), 'completed'::event_status, t,
             t + random() * interval '1 second', '{}'::jsonb, '\\x7b7d'::bytea, 2
      FROM generate_series(1, ${SEEDED}) g, LATERAL (SELECT now() - g * interval '1 second' AS t) at`,
  );
}, 120_000);
afterAll(() => api?.close());

async function timed<T>(fn: () => Promise<T> | T): Promise<{ ms: number; value: T }> {
  const started = performance.now();
  const value = await fn();
  return { ms: performance.now() - started, value };
}

describe("tenant B's long stats queries", () => {
  it("leave tenant A's ingest answering 202 within the bound", async () => {
    const until = Date.now() + LOAD_MS;
    const statsMs: number[] = [];
    const statuses = new Set<number>();
    const statsLoop = async () => {
      while (Date.now() < until) {
        const { ms, value } = await timed(() =>
          api.call("GET", "/v1/stats?since=2000-01-01T00:00:00Z", undefined, keyB),
        );
        statuses.add(value.status);
        await value.body?.cancel();
        statsMs.push(ms);
      }
    };
    const ingestMs: number[] = [];
    const ingestStatuses: number[] = [];
    const ingestLoop = async () => {
      await new Promise((r) => setTimeout(r, 300)); // the stats are under way
      while (Date.now() < until) {
        const { ms, value } = await timed(() => api.app.request("/in/a-src", { method: "POST", body: "{}" }));
        ingestStatuses.push(value.status);
        ingestMs.push(ms);
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    await Promise.all([...Array.from({ length: STATS_CLIENTS }, statsLoop), ingestLoop()]);

    // The load was real: B's stats queue behind each other on their own pool.
    expect([...statuses]).toEqual([200]);
    statsMs.sort((a, b) => a - b);
    expect(statsMs[Math.floor(statsMs.length / 2)]).toBeGreaterThan(INGEST_BOUND_MS);
    // A's ingest did not queue behind them.
    expect(ingestStatuses.length).toBeGreaterThan(20);
    expect(new Set(ingestStatuses)).toEqual(new Set([202]));
    expect(Math.max(...ingestMs)).toBeLessThan(INGEST_BOUND_MS);
  }, 60_000);

  it("a query past MANAGEMENT_STATEMENT_TIMEOUT_MS is cancelled and answered 503 with Retry-After", async () => {
    const strict = await createTestApi("stats-timeout", { MANAGEMENT_STATEMENT_TIMEOUT_MS: "200" });
    let release = () => {};
    try {
      // A lock on events stands for a long aggregate: the stats statement waits past the pool's
      // timeout, which counts lock waits too.
      const held = new Promise<void>((r) => {
        release = r;
      });
      const locked = new Promise<void>((ready) => {
        void strict.deps.sql.begin(async (sql) => {
          await sql`LOCK TABLE events IN ACCESS EXCLUSIVE MODE`;
          ready();
          await held;
        });
      });
      await locked;
      const started = performance.now();
      const res = await strict.call("GET", "/v1/stats");
      release();
      expect(res.status).toBe(503);
      expect(res.headers.get("retry-after")).toBe("5");
      expect(((await res.json()) as { detail: string }).detail).toMatch(/time limit/);
      expect(performance.now() - started).toBeLessThan(2_000);
    } finally {
      release();
      await strict.close();
    }
  });
});
