import { afterAll, beforeAll, expect, it } from "vitest";
import { DEFAULT_TENANT_ID, EVENT_STATUSES } from "../domain.ts";
import { createTestDatabase, type TestDatabase } from "../testing/index.ts";
import type { Sql } from "./client.ts";
import { uuidv7Floor } from "./event-filter.ts";
import { migrate } from "./migrate.ts";
import { dropPartition, ensurePartitions, listPartitions, purgeRange } from "./partitions.ts";
import { transitionEvent } from "./transitions.ts";

// Migration 0009 (the inbox split into deliveries + event_states, partitioned by time): a database
// of the schema before it (0000–0008), with events in every status on three different days,
// keyed and not, with attempts, steps and alerts, goes through the real migrate() without losing
// or changing any of them; then the new storage does what docs/adr/0014-storage.md says.

const PREVIOUS_SCHEMA = 9; // migration files 0000–0008
const SOURCE = "0190a000-0000-7000-8000-0000000000b1";
const DAYS = ["2026-10-01T10:00:00Z", "2026-11-15T23:59:59Z", new Date().toISOString()];

let pg: TestDatabase;
let sql: Sql;
beforeAll(async () => {
  pg = await createTestDatabase("migrate_storage", { upTo: PREVIOUS_SCHEMA });
  sql = pg.database.sql;
});
afterAll(() => pg?.drop());

/** An id of that moment, like ingest's uuid v7; n tells them apart. */
const idAt = (at: string, n: number) =>
  `${uuidv7Floor(new Date(at)).slice(0, 24)}${n.toString(16).padStart(12, "0")}`;
const ids: Record<string, string[]> = {};

async function seed(): Promise<void> {
  await sql`INSERT INTO sources (id, tenant_id, slug, name, scheme, secrets, handlers)
            VALUES (${SOURCE}, ${DEFAULT_TENANT_ID}, 'shop', 'Shop', 'none', '[]', ${sql.json([{ name: "log", key: "log" }])})`;
  let n = 0;
  for (const day of DAYS) {
    for (const status of EVENT_STATUSES) {
      for (const keyed of [true, false]) {
        const id = idAt(day, ++n);
        ids[status] = [...(ids[status] ?? []), id];
        const settled = status === "completed" || status === "dead";
        await sql`
          INSERT INTO events (id, tenant_id, source_id, idempotency_key, event_type, status, attempt_count, run,
                              run_handlers, received_at, queued_at, started_at, completed_at, next_attempt_at,
                              last_error, headers, body, content_type, size)
          VALUES (${id}, ${DEFAULT_TENANT_ID}, ${SOURCE}, ${keyed ? `key-${n}` : null}, ${`order.${status}`}, ${status},
                  ${settled ? 2 : 1}, ${status === "dead" ? 1 : 0}, ${status === "dead" ? ["log"] : null},
                  ${day}, ${status === "received" ? null : day}, ${["received", "queued"].includes(status) ? null : day},
                  ${settled ? day : null}, ${status === "retrying" ? day : null},
                  ${status === "dead" || status === "retrying" ? "HTTP 503" : null}, ${sql.json({ "x-n": String(n) })},
                  ${Buffer.from(`{"n":${n}}\u0000\u00ff`, "latin1")}, 'application/json', 9)`;
        await sql`INSERT INTO attempts (tenant_id, event_id, handler, attempt, run, started_at, finished_at, outcome, error, duration_ms)
                  VALUES (${DEFAULT_TENANT_ID}, ${id}, 'log', 1, 0, ${day}, ${day}, ${settled && status === "completed" ? "success" : "error"}, NULL, ${n})`;
        await sql`INSERT INTO steps (tenant_id, event_id, run, handler, name, result)
                  VALUES (${DEFAULT_TENANT_ID}, ${id}, 0, 'log', 'charge', ${sql.json({ n })})`;
        if (status === "dead")
          await sql`INSERT INTO alerts (id, tenant_id, kind, event_id, source_id, run, message)
                    VALUES (${idAt(day, 0x1000 + n)}, ${DEFAULT_TENANT_ID}, 'dead_letter', ${id}, ${SOURCE}, 1, 'dead')`;
      }
    }
  }
}

const dump = async (table: string, order: string) =>
  (await sql.unsafe<{ row: unknown }[]>(`SELECT to_jsonb(t) AS row FROM ${table} t ORDER BY ${order}`)).map(
    (r) => r.row,
  );

it("moves every event, attempt, step and alert of a 0008 database into the partitioned tables unchanged", async () => {
  await seed();
  const before = {
    events: await dump("events", "id"),
    attempts: await dump("attempts", "id"),
    steps: await dump("steps", "event_id"),
    alerts: await dump("alerts", "id"),
  };
  expect(before.events).toHaveLength(DAYS.length * EVENT_STATUSES.length * 2);

  await migrate(pg.url, { partitions: { periodHours: 24, ahead: 2 } });

  expect(await dump("events", "id")).toEqual(before.events);
  expect(await dump("attempts", "id")).toEqual(before.attempts);
  expect(await dump("steps", "event_id")).toEqual(before.steps);
  expect(await dump("alerts", "id")).toEqual(before.alerts);

  // Each event sits in the partition of its day, in every partitioned table.
  const placed = await sql<{ id: string; d: string; s: string; a: string; st: string }[]>`
    SELECT d.id, d.tableoid::regclass::text AS d, s.tableoid::regclass::text AS s, a.tableoid::regclass::text AS a,
           st.tableoid::regclass::text AS st
    FROM deliveries d JOIN event_states s ON s.id = d.id JOIN attempts a ON a.event_id = d.id
    JOIN steps st ON st.event_id = d.id ORDER BY d.id`;
  for (const row of placed) {
    const day = DAYS.find((at) => row.id.startsWith(uuidv7Floor(new Date(at)).slice(0, 8))) as string;
    const suffix = `p${day.slice(0, 10).replaceAll("-", "")}t000000`;
    expect([row.d, row.s, row.a, row.st]).toEqual(
      ["deliveries", "event_states", "attempts", "steps"].map((t) => `${t}_${suffix}`),
    );
  }
  // The side tables say what the statuses say.
  const unsettled = ["received", "queued", "processing", "retrying"].flatMap((s) => ids[s] ?? []).sort();
  expect((await sql`SELECT id FROM pending_events ORDER BY id`).map((r) => r.id)).toEqual(unsettled);
  expect((await sql`SELECT event_id FROM dead_letters ORDER BY event_id`).map((r) => r.event_id)).toEqual(
    [...(ids.dead ?? [])].sort(),
  );
  expect(await sql`SELECT count(*)::int AS n FROM settlements`).toEqual([{ n: DAYS.length * 4 }]);
  expect(await sql`SELECT count(*)::int AS n FROM idempotency_keys`).toEqual([
    { n: DAYS.length * EVENT_STATUSES.length },
  ]);
  // New attempts continue the old id sequence (the timeline orders by it).
  const [{ max } = { max: 0 }] = await sql<{ max: number }[]>`SELECT max(id)::int AS max FROM attempts`;
  const [next] = await sql<{ id: number }[]>`
    INSERT INTO attempts (tenant_id, event_id, handler, attempt, run, started_at, finished_at, outcome, duration_ms)
    VALUES (${DEFAULT_TENANT_ID}, ${ids.queued?.[0] as string}, 'log', 2, 0, now(), now(), 'success', 1) RETURNING id::int`;
  expect(next?.id).toBeGreaterThan(max);
  // Partitions exist ahead of now.
  const ranges = await listPartitions(sql);
  expect(ranges.at(-1)?.toAt.getTime()).toBeGreaterThan(Date.now() + 24 * 3_600_000);
});

it("start and complete are HOT updates of the narrow state row", async () => {
  const id = ids.queued?.at(-1) as string; // today's
  const [{ partition } = { partition: "" }] = await sql<{ partition: string }[]>`
    SELECT tableoid::regclass::text AS partition FROM event_states WHERE id = ${id}`;
  const counts = await sql.begin(async (tx) => {
    await transitionEvent(tx as unknown as Sql, id, "start");
    await transitionEvent(tx as unknown as Sql, id, "complete");
    return tx<{ upd: number; hot: number }[]>`
      SELECT n_tup_upd::int AS upd, n_tup_hot_upd::int AS hot FROM pg_stat_xact_user_tables WHERE relname = ${partition}`;
  });
  expect(counts).toEqual([{ upd: 2, hot: 2 }]);
  // Settled: out of pending, one settlement row for the catch-up.
  expect(await sql`SELECT 1 FROM pending_events WHERE id = ${id}`).toHaveLength(0);
  expect(await sql`SELECT status FROM settlements WHERE event_id = ${id}`).toEqual([{ status: "completed" }]);
});

it("the idempotency keys of upgraded events still collide across partitions", async () => {
  const [old] = await sql<{ source_id: string; idempotency_key: string; id: string }[]>`
    SELECT source_id, idempotency_key, id FROM events WHERE idempotency_key IS NOT NULL ORDER BY id LIMIT 1`;
  const taken = await sql`
    INSERT INTO idempotency_keys (source_id, key, event_id)
    VALUES (${old?.source_id as string}, ${old?.idempotency_key as string}, ${idAt(DAYS[2] as string, 0xfff)})
    ON CONFLICT DO NOTHING RETURNING event_id`;
  expect(taken).toHaveLength(0);
});

it("retention drops a whole range only once none of its events is in flight", async () => {
  const [oldest] = await listPartitions(sql);
  if (!oldest) throw new Error("no partitions");
  expect(oldest.suffix).toBe("p20261001t000000");
  // The range holds unsettled events (received … retrying): kept, nothing touched.
  expect(await dropPartition(sql, oldest)).toMatchObject({ dropped: false, reason: "in-flight" });
  const inRange = async () =>
    sql<
      { id: string }[]
    >`SELECT id FROM events WHERE id >= ${uuidv7Floor(oldest.fromAt)} AND id < ${uuidv7Floor(oldest.toAt)}`;
  expect(await inRange()).toHaveLength(EVENT_STATUSES.length * 2);

  // Settle them (as the worker would), then the range goes: all five tables and the side rows.
  for (const row of await sql<{ id: string; status: string }[]>`
      SELECT p.id, st.status FROM pending_events p JOIN event_states st ON st.id = p.id
      WHERE p.id < ${uuidv7Floor(oldest.toAt)}`) {
    if (row.status !== "processing") await transitionEvent(sql, row.id, "start");
    await transitionEvent(sql, row.id, "complete");
  }
  expect(await dropPartition(sql, oldest)).toEqual({ dropped: true, range: oldest });
  expect(await purgeRange(sql, oldest, 2)).toBe(EVENT_STATUSES.length + 2 + 2); // keys, dead marks, alerts
  expect(await inRange()).toHaveLength(0);
  for (const table of ["deliveries", "event_states", "settlements", "attempts", "steps"]) {
    expect(await sql`SELECT to_regclass(${`${table}_${oldest.suffix}`}) AS t`).toEqual([{ t: null }]);
  }
  expect((await listPartitions(sql)).map((r) => r.suffix)).not.toContain(oldest.suffix);
  // The other days are untouched.
  expect(await sql`SELECT count(*)::int AS n FROM events`).toEqual([{ n: 2 * EVENT_STATUSES.length * 2 }]);
});

it("makes the partitions of the coming periods, with the configured period, idempotently", async () => {
  const now = new Date();
  const made = await ensurePartitions(sql, { periodHours: 6, ahead: 12 }, now);
  expect(made).toBeGreaterThan(0);
  expect(await ensurePartitions(sql, { periodHours: 6, ahead: 12 }, now)).toBe(0);
  const ranges = await listPartitions(sql);
  // Contiguous where they meet, never overlapping, and covering now + 3 days.
  for (const [i, r] of ranges.entries()) {
    const next = ranges[i + 1];
    if (next) expect(next.fromAt.getTime()).toBeGreaterThanOrEqual(r.toAt.getTime());
  }
  expect(ranges.at(-1)?.toAt.getTime()).toBeGreaterThanOrEqual(now.getTime() + 72 * 3_600_000);
  const sixHours = ranges.filter((r) => r.toAt.getTime() - r.fromAt.getTime() === 6 * 3_600_000);
  expect(sixHours.length).toBeGreaterThan(0);
});
